fn main() { println!("retrowalk"); }
