// MakeFixtures writes the Java serialization fixtures the javaser tests
// decode: each value with java.io.ObjectOutputStream into NAME.ser in the
// directory given as the first argument. See README.md for the commands.
import java.io.*;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;

public class MakeFixtures {
    // Person: a plain Serializable class with every primitive field type,
    // an object field and arrays.
    static class Person implements Serializable {
        private static final long serialVersionUID = 42L;
        String name = "Ada";
        int age = 36;
        double score = 99.5;
        boolean active = true;
        char initial = 'A';
        long id = 1234567890123456789L;
        byte b = -2;
        short s = 300;
        float f = 0.25f;
        String[] tags = {"math", "engines"};
        int[] numbers = {1, 2, 3};
    }

    // Base and Employee: inheritance, with a field name used in both.
    static class Base implements Serializable {
        private static final long serialVersionUID = 1L;
        protected int id = 7;
        protected String name = "base name";
    }

    static class Employee extends Base {
        private static final long serialVersionUID = 2L;
        int id = 8;
        String company = "Analytical Engines Ltd";
    }

    enum Color { RED, GREEN, BLUE }

    // Custom: writeObject adds data after the default fields.
    static class Custom implements Serializable {
        private static final long serialVersionUID = 3L;
        int x = 5;

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            out.writeInt(7);
            out.writeUTF("extra");
            out.writeObject("annotation object");
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            in.readInt();
            in.readUTF();
            in.readObject();
        }
    }

    // Node: a cyclic structure.
    static class Node implements Serializable {
        private static final long serialVersionUID = 4L;
        String name;
        Node next;
        Node(String name) { this.name = name; }
    }

    // Ext: Externalizable, written as block data.
    public static class Ext implements Externalizable {
        private static final long serialVersionUID = 5L;
        public Ext() {}
        public void writeExternal(ObjectOutput out) throws IOException {
            out.writeInt(99);
            out.writeUTF("external");
        }
        public void readExternal(ObjectInput in) throws IOException {
            in.readInt();
            in.readUTF();
        }
    }

    // Holder: shared references, a Class and a proxy.
    static class Holder implements Serializable {
        private static final long serialVersionUID = 6L;
        String first;
        String second;
        Class<?> type = String.class;
        Object proxy;
    }

    static class Handler implements InvocationHandler, Serializable {
        private static final long serialVersionUID = 7L;
        public Object invoke(Object p, Method m, Object[] a) { return null; }
    }

    static void write(File dir, String name, Object... values) throws IOException {
        try (ObjectOutputStream out = new ObjectOutputStream(new FileOutputStream(new File(dir, name + ".ser")))) {
            for (Object v : values) {
                out.writeObject(v);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        File dir = new File(args.length > 0 ? args[0] : ".");

        HashMap<String, Object> m = new HashMap<>();
        m.put("name", "kvdeck");
        m.put("count", 42);
        m.put("ratio", 1.5);
        write(dir, "hashmap", m);

        ArrayList<Object> l = new ArrayList<>();
        l.add("a");
        l.add(1);
        l.add(null);
        l.add(1234567890123L);
        write(dir, "arraylist", l);

        write(dir, "person", new Person());
        write(dir, "inheritance", new Employee());
        write(dir, "enum", Color.GREEN);

        Object[] arrays = {
            new int[] {1, 2, 3},
            new byte[] {0, 1, (byte) 0xff},
            new String[] {"x", "y"},
            new long[][] {{1L}, {2L, 3L}},
            new double[] {0.5, Double.NaN, Double.POSITIVE_INFINITY},
            new boolean[] {true, false},
            new char[] {'h', 'i'},
            new Color[] {Color.RED, Color.BLUE},
        };
        write(dir, "arrays", (Object) arrays);

        write(dir, "unicode", "h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00 nul\u0000 tab\t esc\u001b del\u007f");
        write(dir, "writeobject", new Custom());

        Node a = new Node("a");
        Node b = new Node("b");
        a.next = b;
        b.next = a;
        write(dir, "cycle", a);

        write(dir, "externalizable", new Ext());

        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 70000; i++) {
            sb.append((char) ('a' + i % 26));
        }
        write(dir, "longstring", sb.toString());

        Holder h = new Holder();
        h.first = new String("shared");
        h.second = h.first;
        h.proxy = Proxy.newProxyInstance(MakeFixtures.class.getClassLoader(), new Class<?>[] {Runnable.class}, new Handler());
        write(dir, "holder", h);

        // Several values in one stream, with primitives between them and
        // a reset that clears the handles.
        try (ObjectOutputStream out = new ObjectOutputStream(new FileOutputStream(new File(dir, "stream.ser")))) {
            out.writeObject("one");
            out.writeInt(2);
            out.reset();
            out.writeObject("one");
        }
    }
}
