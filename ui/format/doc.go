// Package format turns a value's bytes into lines for the value pane:
// JSON pretty-printed with the path of every line, text, hex dumps, and the
// decoded views of base64 and gzip values. Every string it returns is safe
// to write to a terminal: control bytes and escape sequences in keys and
// values are shown as visible escapes, never sent raw.
//
// A Document is built once per value and mode, off the UI path, and then
// read by line range; Render escapes, cuts and colours only the lines on
// screen. The package does no I/O and knows nothing of Bubble Tea.
package format
