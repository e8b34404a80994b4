fn main() { println!("rust-stub"); }
