// `Secret` is the wire name of secrecy-wrapped strings in crates/sio-protocol. On the wire it is
// a plain string; the generated protocol.ts refers to it without declaring it, so it is declared
// here, globally, for the type checker.
type Secret = string;
