//! Any JSON record through a mapping that uses every construct: no panic, whatever the shape.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tributary_mapping::Document;
use tributary_models::assets::ObjectTypeAttribute;
use tributary_transform::Transformer;

fn transformer() -> &'static Transformer {
    static TRANSFORMER: OnceLock<Transformer> = OnceLock::new();
    TRANSFORMER.get_or_init(|| {
        let attributes: Vec<ObjectTypeAttribute> = serde_json::from_str(include_str!(
            "../../crates/mapping/tests/golden/attributes.json"
        ))
        .unwrap();
        let doc = Document::parse(include_str!(
            "../../crates/transform/tests/fixtures/everything.map"
        ));
        Transformer::new(&doc, &attributes)
            .unwrap_or_else(|d| panic!("{}", doc.render("fuzz.map", &d)))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(record) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let out = transformer().transform(&record);
    for values in &out.values {
        for value in &values.values {
            let _ = value.canonical();
        }
    }
});
