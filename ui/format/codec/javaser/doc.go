// Package javaser reads Java serialization streams (what
// java.io.ObjectOutputStream writes: magic AC ED 00 05) for the value
// pane, read-only. It walks the stream grammar of the Java Object
// Serialization Specification and writes JSON as it goes; no class is
// ever loaded or run: a class is its name from the stream.
//
// # JSON layout
//
// A stream of one item is that item; several (writeObject called more
// than once, primitives between) are {"$stream":[…]}. Items:
//
//	null, a String → "…" (modified UTF-8 decoded; an unpaired surrogate
//	                 is a \udXXX escape, control characters escaped)
//	an object      → {"$class":"com.acme.User","$handle":"0x7e0002",
//	                  "$serialVersionUID":"42","$super":["com.acme.Base"],
//	                  "fields":{"name":…,"age":36},"annotations":[…]}
//	    "$super" lists the serializable superclasses, nearest first (only
//	    when there are some). "fields" holds every class's default
//	    fields; a superclass field hidden by a subclass field of the same
//	    name is keyed "com.acme.Base.name". "annotations" is what a
//	    writeObject method wrote after them (SC_WRITE_METHOD); kvdeck
//	    assumes it called defaultWriteObject, as HashMap and ArrayList
//	    do, whose entries and elements therefore show here raw.
//	    "external" replaces both for an Externalizable (SC_EXTERNALIZABLE
//	    with block data). When a superclass, not the object's own class,
//	    has a writeObject, its data precedes the subclass fields in the
//	    stream, and the layout is per class instead:
//	    "classdata":[{"$class":…,"fields":{…},"annotations":[…]},…]
//	a proxy        → the same, "$class":"proxy(java.lang.Runnable)"
//	an array       → {"$class":"int[]","$handle":…,"items":[1,2,3]};
//	                 a byte[] → {"$class":"byte[]","$handle":…,"base64":"…"}
//	an enum        → {"$class":"com.acme.Color","$enum":"GREEN"}
//	a Class        → {"$javaclass":"java.lang.String"}
//	a class description as an item → {"$classdesc":"…"}
//	block data     → {"$block":"<hex>"} (consecutive blocks joined): what
//	                 writeInt, writeUTF… wrote
//	a reference    → a String, enum or Class again in full; an object or
//	                 array as {"$ref":"0x7e0002"}, its "$handle"
//	an exception written mid-stream → {"$exception":{…}}
//
// Primitives: byte, short, int, long → numbers (a long beyond ±2^53,
// which a JSON reader would round, as a decimal string); float, double →
// numbers, NaN and the infinities as "NaN", "Infinity", "-Infinity";
// boolean → true/false; char → a one-character string.
//
// Class annotations (ObjectOutputStream.annotateClass, RMI codebases) are
// read for their handles and not shown. TC_RESET clears the handles and
// shows nothing.
//
// # Bounds
//
// Every length (strings, arrays, blocks, field and interface counts) is
// checked against the bytes that remain before anything is read; nesting
// beyond maxDepth is an error; Out stops at the limit (Cut) still valid
// JSON: what was complete there, with its containers closed.
package javaser
