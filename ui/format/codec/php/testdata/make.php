<?php
// Writes real PHP serialize() and session values into this directory, as
// fixtures for the decoder's tests: php make.php (see README.md).
ini_set('serialize_precision', '-1'); // PHP's default since 7.1

class User {
    public $name = 'ann';
    protected $role = 'admin';
    private $secret = "pa\0ss";
    public $tags = ['x', 'y'];
}

class Point implements Serializable {
    public $x = 1; public $y = 2;
    public function serialize() { return "$this->x,$this->y"; }
    public function unserialize($s) { [$this->x, $this->y] = explode(',', $s); }
    public function __serialize(): array { return [$this->x, $this->y]; }
    public function __unserialize(array $a): void { [$this->x, $this->y] = $a; }
}

// Only Serializable (deprecated since 8.1, hence the @ below): C: format.
error_reporting(E_ALL & ~E_DEPRECATED);
class Legacy implements Serializable {
    public $data = 'x';
    public function serialize() { return json_encode(['data' => $this->data]); }
    public function unserialize($s) { $this->data = json_decode($s)->data; }
}

enum Suit: string { case Hearts = 'H'; case Spades = 'S'; }

$shared = new stdClass;
$shared->id = 7;
$list = [1, 2, 3];

$values = [
    'scalars' => [null, true, false, 0, -42, PHP_INT_MAX, PHP_INT_MIN],
    'floats' => [0.1, 1.0, -0.0, 1e25, 1.5e-7, 3.14159, INF, -INF, NAN],
    'strings' => ['', 'héllo wörld ✓', "line\nbreak\ttab \"quoted\"", "\x00\x01\xff\xfe binary", '$dollar', str_repeat('long ', 50)],
    'nested' => ['user' => ['id' => 5, 'roles' => ['admin', 'dev'], 'prefs' => ['theme' => 'dark', 'size' => 12]], 'empty' => [], 'list' => [[1, [2, [3]]]]],
    'keys' => [5 => 'five', 'a' => 'x', -1 => 'neg', '10' => 'ten', 0 => 'zero'],
    'object' => new User,
    'objects' => ['a' => $shared, 'b' => $shared, 'std' => (object)['k' => 'v', 'n' => null]],
    'references' => (function () { $a = ['v' => 1]; $a['r'] = &$a['v']; $b = [1, 2]; $b[] = &$b[0]; return [$a, $b]; })(),
    'serializable' => new Point,
    'custom' => [new Legacy, new Legacy],
    'enum' => [Suit::Hearts, Suit::Spades, Suit::Hearts],
    'mixed' => ['count' => 3, 'items' => $list, 'price' => 9.99, 'ok' => true, 'meta' => null],
];

foreach ($values as $name => $v) {
    file_put_contents(__DIR__ . "/$name.ser", serialize($v));
}

// A session as session.serialize_handler=php writes it.
session_id('fixture');
session_save_path(sys_get_temp_dir());
ini_set('session.use_cookies', '0');
ini_set('session.cache_limiter', '');
session_start();
$_SESSION['user_id'] = 42;
$_SESSION['name'] = 'Zoë';
$_SESSION['cart'] = ['sku-1' => 2, 'sku-2' => 1];
$_SESSION['last'] = 1.5;
$_SESSION['obj'] = $shared;
$_SESSION['again'] = $shared;
file_put_contents(__DIR__ . '/session.sess', session_encode());
session_destroy();
