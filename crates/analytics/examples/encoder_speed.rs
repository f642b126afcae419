//! How fast the sentence encoder reads a column of a CSV file:
//! cargo run --release -p throughline-analytics --example encoder_speed -- FILE.csv COLUMN
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut reader = csv::Reader::from_path(&args[1]).expect("a CSV file");
    let column = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == args[2])
        .expect("the column");
    let texts: Vec<String> = reader
        .records()
        .map(|r| r.expect("a record")[column].to_owned())
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let encoder = throughline_analytics::encoder::encoder();
    let start = std::time::Instant::now();
    let pieces: usize = refs.iter().map(|t| encoder.tokens(t).len()).sum();
    let vectors = encoder.encode(&refs);
    println!(
        "{} texts, {pieces} word pieces, encoded in {:.2} s",
        vectors.len(),
        start.elapsed().as_secs_f64()
    );
}
