//! `sio`: the command line of АРМ СИО ПСО.
fn main() {}
