//! Benchmark (not a test): parses a 10,000-line mapping, then transforms 100,000 realistic
//! JumpCloud users. Prints records/s and bytes/s.
//!
//! Run: `cargo run --release -p tributary-transform --example bench`

use std::time::Instant;

use serde_json::{json, Value};
use tributary_mapping::Document;
use tributary_models::assets::ObjectTypeAttribute;
use tributary_transform::Transformer;

const USERS: usize = 100_000;
const MAPPING_LINES: usize = 10_000;

/// A small deterministic generator, so every run measures the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % bound
    }
}

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Frances", "Dennis",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds",
    "Allen", "Ritchie",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Finance",
    "Sales",
    "Support",
    "Legal",
    "People",
];
const CITIES: &[&str] = &["London", "Leeds", "Berlin", "Paris", "Austin", "Pune"];

fn user(i: usize, rng: &mut Lcg) -> Value {
    let first = FIRST[rng.next(FIRST.len())];
    let title = ["Engineer", "Analyst", "Manager", ""][rng.next(4)];
    let state = ["ACTIVATED", "SUSPENDED", "STAGED"][rng.next(3)];
    let last = LAST[rng.next(LAST.len())];
    json!({
        "_id": format!("{:024x}", 0x5f1b_0000_0000_0000_u64 + i as u64),
        "username": format!("{}.{}{i}", first.to_lowercase(), last.to_lowercase()),
        "email": format!("{first}.{last}{i}@Example.com"),
        "firstname": first,
        "lastname": last,
        "displayname": format!("{first} {last}"),
        "jobTitle": title,
        "department": DEPARTMENTS[rng.next(DEPARTMENTS.len())],
        "costCenter": format!("{},{:03}", rng.next(9) + 1, rng.next(1000)),
        "manager": format!("{:024x}", 0x5f1b_0000_0000_0000_u64 + rng.next(USERS) as u64),
        "state": state,
        "activated": rng.next(2) == 0,
        "employeeIdentifier": format!("E-{:05}", i),
        "created": format!("20{:02}-{:02}-{:02}T{:02}:15:00.000Z", 10 + rng.next(15), rng.next(12) + 1, rng.next(28) + 1, rng.next(24)),
        "memberof": (0..rng.next(5)).map(|g| format!("group-{g}")).collect::<Vec<_>>(),
        "phoneNumbers": [{"type": "mobile", "number": format!("+44 7700 9{:05}", rng.next(99_999))}, {"type": "work", "number": "+44 20 7946 0000"}],
        "addresses": [{"type": "home", "locality": CITIES[rng.next(CITIES.len())]}, {"type": "work", "locality": CITIES[rng.next(CITIES.len())], "country": "UK"}],
        "attributes": [{"name": "costCenter", "value": format!("CC-{}", rng.next(50))}, {"name": "contractor", "value": "false"}],
        "mfa": {"configured": true, "exclusion": false},
        "description": "Synchronised from the HR system; do not edit by hand.",
    })
}

fn attributes() -> Vec<ObjectTypeAttribute> {
    serde_json::from_str(include_str!("../../mapping/tests/golden/attributes.json"))
        .expect("fixture parses")
}

fn big_mapping(rng: &mut Lcg) -> String {
    let shapes = [
        "map:field{n}=Attribute {n}",
        "map:addresses[type=work].locality=Attribute {n}|upper",
        "map:${firstname} ${lastname} {n}=Attribute {n}|trim|lower",
        "map:attributes[name=custom{n}].value=Attribute {n}|default=\"none\"",
        "map:jsonpath__a.*.b{n}__where__a.*.c_eq_{n}=Attribute {n}|replace=\"-\",\"\"",
        "# comment line {n}",
        "map:phoneNumbers_where_type_eq_work.number=Attribute {n}|extract=\"(\\d+)\"|when=state=ACTIVATED",
    ];
    let mut text = String::from("key:_id=id\nconfig:api=systemusers\n");
    for n in 0..MAPPING_LINES - 2 {
        text.push_str(&shapes[rng.next(shapes.len())].replace("{n}", &n.to_string()));
        text.push('\n');
    }
    text
}

fn main() {
    let mut rng = Lcg(42);

    let big = big_mapping(&mut rng);
    let start = Instant::now();
    let doc = Document::parse(&big);
    let parse_time = start.elapsed();
    println!(
        "parse: {} lines, {} bytes in {:.1} ms -> {:.0} lines/s, {:.1} MB/s ({} rows, {} diagnostics)",
        MAPPING_LINES,
        big.len(),
        parse_time.as_secs_f64() * 1e3,
        MAPPING_LINES as f64 / parse_time.as_secs_f64(),
        big.len() as f64 / parse_time.as_secs_f64() / 1e6,
        doc.mapping.rows.len(),
        doc.diagnostics.len()
    );
    let start = Instant::now();
    let formatted = tributary_mapping::format(&big);
    println!(
        "format: {:.1} ms ({} bytes out)",
        start.elapsed().as_secs_f64() * 1e3,
        formatted.len()
    );

    let users: Vec<String> = (0..USERS).map(|i| user(i, &mut rng).to_string()).collect();
    let bytes: usize = users.iter().map(String::len).sum();
    let attributes = attributes();
    let doc = Document::parse(include_str!("../tests/fixtures/everything.map"));
    let transformer = Transformer::new(&doc, &attributes)
        .unwrap_or_else(|d| panic!("{}", doc.render("bench.map", &d)));

    let start = Instant::now();
    let records: Vec<Value> = users
        .iter()
        .map(|u| serde_json::from_str(u).expect("generated JSON"))
        .collect();
    let json_time = start.elapsed();

    let start = Instant::now();
    let mut values = 0usize;
    let mut errors = 0usize;
    for record in &records {
        let out = transformer.transform(record);
        values += out.values.iter().map(|v| v.values.len()).sum::<usize>();
        errors += out.errors.len();
    }
    let transform_time = start.elapsed();
    let total = json_time + transform_time;
    println!(
        "transform: {USERS} users, {:.1} MB of JSON, {} rows: {:.0} ms -> {:.0} records/s, {:.1} MB/s ({values} values, {errors} per-attribute errors)",
        bytes as f64 / 1e6,
        doc.mapping.rows.len() + 1,
        transform_time.as_secs_f64() * 1e3,
        USERS as f64 / transform_time.as_secs_f64(),
        bytes as f64 / transform_time.as_secs_f64() / 1e6,
    );
    println!(
        "json parse + transform: {:.0} ms -> {:.0} records/s, {:.1} MB/s",
        total.as_secs_f64() * 1e3,
        USERS as f64 / total.as_secs_f64(),
        bytes as f64 / total.as_secs_f64() / 1e6,
    );
}
