//! The adaptive jitter buffer (to be written): reorders, drops duplicates and late packets,
//! adapts its target delay to measured jitter, and asks the codec to conceal what is lost.
