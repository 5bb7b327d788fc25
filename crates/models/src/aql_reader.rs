//! The reader behind [`AqlPageView::read`]. An AQL page is mostly what a comparison never
//! reads (each object's type with its icon, avatar and links; each attribute's workspace,
//! global and object ids; each value's search form), and the derived serde reader spent most
//! of a page's time matching those keys and skipping their values through its generic
//! visitors. This one compares keys as they are written and skips values with a tight byte
//! loop (eight bytes at a time inside strings), yet checks the JSON as strictly as serde_json
//! does: tests hold it to the derived reader's result, on good pages and on broken ones.

use std::borrow::Cow;

use serde::de::Error as _;

use crate::assets::{
    AqlPageView, AttributeValueView, IdField, ObjectAttributeView, ObjectKeyField, ObjectView,
    ScalarText, UserKeyField,
};

/// How deep arrays and objects may nest. serde_json skips to any depth; this reader recurses,
/// so it stops at a depth no API answer comes near, well before the stack would run out.
const MAX_DEPTH: usize = 1024;

type Result<T> = std::result::Result<T, serde_json::Error>;

/// Reads one AQL page (see [`AqlPageView::read`]).
pub(crate) fn read_page(text: &str) -> Result<AqlPageView<'_>> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
    };
    let page = reader.page()?;
    reader.whitespace();
    if reader.at < reader.bytes.len() {
        return Err(reader.error("trailing characters"));
    }
    Ok(page)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

/// Where a field's value was first seen, to refuse a second one as serde does.
fn once<T>(slot: &mut Option<T>, value: T, name: &str, reader: &Reader<'_>) -> Result<()> {
    if slot.is_some() {
        return Err(reader.error(&format!("duplicate field `{name}`")));
    }
    *slot = Some(value);
    Ok(())
}

impl<'a> Reader<'a> {
    fn page(&mut self) -> Result<AqlPageView<'a>> {
        let mut values = None;
        let mut is_last = None;
        self.object(|r, key| {
            match key.as_ref() {
                "values" => {
                    let objects = r.list(Self::object_view)?;
                    once(&mut values, objects, "values", r)?;
                }
                "isLast" => {
                    let last = r.lenient_bool()?;
                    once(&mut is_last, last, "isLast", r)?;
                }
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(AqlPageView {
            values: values.unwrap_or_default(),
            is_last: is_last.unwrap_or_default(),
        })
    }

    fn object_view(&mut self) -> Result<ObjectView<'a>> {
        let (mut id, mut object_key, mut attributes) = (None, None, None);
        self.object(|r, key| {
            match key.as_ref() {
                "id" => once(&mut id, r.string()?, "id", r)?,
                "objectKey" => once(&mut object_key, r.string()?, "objectKey", r)?,
                "attributes" => {
                    let list = r.list(Self::attribute_view)?;
                    once(&mut attributes, list, "attributes", r)?;
                }
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(ObjectView {
            id: id.ok_or_else(|| self.error("missing field `id`"))?,
            object_key: object_key.ok_or_else(|| self.error("missing field `objectKey`"))?,
            attributes: attributes.unwrap_or_default(),
        })
    }

    fn attribute_view(&mut self) -> Result<ObjectAttributeView<'a>> {
        let (mut id, mut values) = (None, None);
        self.object(|r, key| {
            match key.as_ref() {
                "objectTypeAttributeId" => once(&mut id, r.string()?, "objectTypeAttributeId", r)?,
                "objectAttributeValues" => {
                    let list = r.list(Self::value_view)?;
                    once(&mut values, list, "objectAttributeValues", r)?;
                }
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(ObjectAttributeView {
            object_type_attribute_id: id
                .ok_or_else(|| self.error("missing field `objectTypeAttributeId`"))?,
            object_attribute_values: values.unwrap_or_default(),
        })
    }

    fn value_view(&mut self) -> Result<AttributeValueView<'a>> {
        let (mut value, mut display_value, mut referenced_object, mut user, mut status) =
            (None, None, None, None, None);
        self.object(|r, key| {
            match key.as_ref() {
                "value" => once(&mut value, r.optional(Self::scalar)?, "value", r)?,
                "displayValue" => {
                    let text = r.optional(Self::scalar)?;
                    once(&mut display_value, text, "displayValue", r)?;
                }
                "referencedObject" => {
                    let field = r.optional(|r| {
                        let object_key = r.one_field("objectKey")?;
                        Ok(ObjectKeyField { object_key })
                    })?;
                    once(&mut referenced_object, field, "referencedObject", r)?;
                }
                "user" => {
                    let field = r.optional(|r| {
                        Ok(UserKeyField {
                            key: r.one_field("key")?,
                        })
                    })?;
                    once(&mut user, field, "user", r)?;
                }
                "status" => {
                    let field = r.optional(|r| {
                        Ok(IdField {
                            id: r.one_field("id")?,
                        })
                    })?;
                    once(&mut status, field, "status", r)?;
                }
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(AttributeValueView {
            value: value.flatten(),
            display_value: display_value.flatten(),
            referenced_object: referenced_object.flatten(),
            user: user.flatten(),
            status: status.flatten(),
        })
    }

    /// The scalar text of the field `name` of the object at the cursor, the rest skipped.
    fn one_field(&mut self, name: &str) -> Result<Option<ScalarText<'a>>> {
        let mut found = None;
        self.object(|r, key| {
            if key == name {
                let text = r.optional(Self::scalar)?;
                once(&mut found, text, name, r)
            } else {
                r.skip()
            }
        })?;
        Ok(found.flatten())
    }

    /// `null` is `None`, anything else what `read` makes of it.
    fn optional<T>(&mut self, read: impl FnOnce(&mut Self) -> Result<T>) -> Result<Option<T>> {
        self.whitespace();
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            return Ok(None);
        }
        read(self).map(Some)
    }

    /// A scalar as [`ScalarText`] reads it: strings as they are, numbers and booleans as JSON
    /// writes them, arrays and objects as none.
    fn scalar(&mut self) -> Result<ScalarText<'a>> {
        self.whitespace();
        match self.peek() {
            Some(b'"') => Ok(ScalarText(Some(self.string()?))),
            Some(b'{' | b'[') => self.skip().map(|()| ScalarText(None)),
            Some(b't') => self
                .literal("true")
                .map(|()| ScalarText(Some("true".into()))),
            Some(b'f') => self
                .literal("false")
                .map(|()| ScalarText(Some("false".into()))),
            Some(b'n') => self.literal("null").map(|()| ScalarText(None)),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.at;
                self.number()?;
                // Numbers are rare here; serde_json writes them exactly as the derived reader did.
                let text: ScalarText<'_> = serde_json::from_str(&self.text[start..self.at])
                    .map_err(|e| self.error(&e.to_string()))?;
                Ok(ScalarText(text.0.map(|t| Cow::Owned(t.into_owned()))))
            }
            _ => Err(self.error("expected a value")),
        }
    }

    /// `true`/`false`, or a string that says `true` (any case); anything else is false.
    fn lenient_bool(&mut self) -> Result<bool> {
        self.whitespace();
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'"') => Ok(self.string()?.eq_ignore_ascii_case("true")),
            _ => self.skip().map(|()| false),
        }
    }

    /// Calls `field` with each key of the object at the cursor; it reads the value.
    fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, Cow<'a, str>) -> Result<()>,
    ) -> Result<()> {
        self.open(b'{', "`{`")?;
        if !self.eat(b'}') {
            loop {
                self.whitespace();
                let key = self.string()?;
                if !self.eat(b':') {
                    return Err(self.error("expected `:`"));
                }
                field(self, key)?;
                if !self.eat(b',') {
                    self.close(b'}', "`,` or `}`")?;
                    break;
                }
            }
        } else {
            self.depth -= 1;
        }
        Ok(())
    }

    /// The items of the array at the cursor, each read by `item`.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        let mut items = Vec::new();
        self.open(b'[', "`[`")?;
        if !self.eat(b']') {
            loop {
                items.push(item(self)?);
                if !self.eat(b',') {
                    self.close(b']', "`,` or `]`")?;
                    break;
                }
            }
        } else {
            self.depth -= 1;
        }
        Ok(items)
    }

    fn open(&mut self, byte: u8, what: &str) -> Result<()> {
        if !self.eat(byte) {
            return Err(self.error(&format!("expected {what}")));
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        Ok(())
    }

    fn close(&mut self, byte: u8, what: &str) -> Result<()> {
        if !self.eat(byte) {
            return Err(self.error(&format!("expected {what}")));
        }
        self.depth -= 1;
        Ok(())
    }

    /// Passes over one value of any kind, checking it is JSON.
    fn skip(&mut self) -> Result<()> {
        self.whitespace();
        match self.peek() {
            Some(b'"') => self.string_end().map(|_| ()),
            Some(b'{') => self.object(|r, _| r.skip()),
            Some(b'[') => {
                self.open(b'[', "`[`")?;
                if self.eat(b']') {
                    self.depth -= 1;
                    return Ok(());
                }
                loop {
                    self.skip()?;
                    if !self.eat(b',') {
                        return self.close(b']', "`,` or `]`");
                    }
                }
            }
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected a value")),
        }
    }

    /// The string at the cursor: borrowed from the text when it has no escapes, else
    /// unescaped by serde_json (so escapes mean exactly what they meant before).
    fn string(&mut self) -> Result<Cow<'a, str>> {
        self.whitespace();
        let start = self.at;
        let escaped = self.string_end()?;
        let quoted = &self.text[start..self.at];
        if !escaped {
            return Ok(Cow::Borrowed(&quoted[1..quoted.len() - 1]));
        }
        serde_json::from_str::<String>(quoted)
            .map(Cow::Owned)
            .map_err(|e| self.error(&e.to_string()))
    }

    /// Moves past the string at the cursor; whether it has escapes.
    fn string_end(&mut self) -> Result<bool> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        self.at += 1;
        let mut escaped = false;
        loop {
            self.at += special_byte(&self.bytes[self.at..]);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.at += 1;
                    self.escape()?;
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("EOF while parsing a string")),
            }
        }
    }

    /// Moves past the escape after a `\\`: one of `"\\/bfnrt`, or `u` and four hex digits.
    fn escape(&mut self) -> Result<()> {
        let length = match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => 1,
            Some(b'u')
                if self
                    .bytes
                    .get(self.at + 1..self.at + 5)
                    .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) =>
            {
                5
            }
            _ => return Err(self.error("invalid escape")),
        };
        self.at += length;
        Ok(())
    }

    /// Moves past a number, as JSON writes one: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<()> {
        self.eat_byte(b'-');
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.eat_byte(b'.') {
            self.required_digits()?;
        }
        if self.eat_byte(b'e') || self.eat_byte(b'E') {
            let _ = self.eat_byte(b'+') || self.eat_byte(b'-');
            self.required_digits()?;
        }
        Ok(())
    }

    fn required_digits(&mut self) -> Result<()> {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(self.error("invalid number"));
        }
        self.digits();
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Result<()> {
        if !self.bytes[self.at..].starts_with(word.as_bytes()) {
            return Err(self.error("expected a value"));
        }
        self.at += word.len();
        Ok(())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat_byte(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    /// Skips whitespace, then moves past `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.whitespace();
        self.eat_byte(byte)
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// An error that says what was wrong and where, as serde_json's do.
    fn error(&self, what: &str) -> serde_json::Error {
        let before = &self.bytes[..self.at.min(self.bytes.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let column = before.len() - line_start + 1;
        serde_json::Error::custom(format!("{what} at line {line} column {column}"))
    }
}

/// The offset of the first `"`, `\` or control character in `bytes` (its length if none),
/// eight bytes at a time: a byte-wise search for the zero bytes of `chunk ^ pattern` and of
/// `chunk - 0x20`. The lowest flagged byte is always a real one (a false flag can only follow
/// a real one), so the first hit is exact.
fn special_byte(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let found = ((word.wrapping_sub(ONES * 0x20) & !word)
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash))
            & HIGH;
        if found != 0 {
            return offset + found.trailing_zeros() as usize / 8;
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    offset
        + rest
            .iter()
            .position(|b| *b == b'"' || *b == b'\\' || *b < 0x20)
            .unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The derived serde reader's result, which [`read_page`] must give too.
    fn derived(text: &str) -> Result<AqlPageView<'_>> {
        serde_json::from_str(text)
    }

    fn page() -> serde_json::Value {
        let values = |id: &str, list: serde_json::Value| {
            json!({"workspaceId": "w", "globalId": "w:1", "id": "11",
                   "objectTypeAttributeId": id, "objectAttributeValues": list, "objectId": "42"})
        };
        json!({
            "startAt": 0, "maxResults": 500, "total": 2, "isLast": "TRUE",
            "objectTypeAttributes": [{"id": "1", "deep": {"x": [1, -2.5e-3, {"y": null}, [], {}]}}],
            "values": [{
                "workspaceId": "w", "id": "42", "label": "x \"quoted\"", "objectKey": "HR-42",
                "objectType": {"id": "10", "name": "User", "icon": {"url16": "u\\v/w"}},
                "avatar": {"objectId": "42"}, "hasAvatar": false, "timestamp": 1_796_265_354_824_u64,
                "attributes": [
                    values("1", json!([{"value": "Zoë \"Z\" O'Brien\n\u{1F600}\u{7}", "displayValue": "d", "searchValue": "s", "referencedType": false}])),
                    values("2", json!([{"value": 7, "displayValue": "7"}, {"value": -0}, {"value": 12_345_678_901_234_567_890_u64}])),
                    values("3", json!([{"value": 1.50}, {"value": 1e3}, {"value": null, "displayValue": "2.25"}])),
                    values("4", json!([{"value": true}, {"value": false}])),
                    values("6", json!([
                        {"referencedObject": {"id": "5", "objectKey": "HR-5", "objectType": {"id": "9"}}, "displayValue": "A"},
                        {"referencedObject": {"objectKey": 17}},
                        {"referencedObject": null}
                    ])),
                    values("7", json!([{"user": {"key": "acc-1", "displayName": "A B", "avatar": {}}}, {"user": {}}])),
                    values("8", json!([{"status": {"id": "3", "name": "Active", "category": 1}}])),
                    values("9", json!([{"value": {"nested": ["object"]}, "displayValue": ""}, {"value": [1]}])),
                    values("10", json!([])),
                    {"objectTypeAttributeId": "11"}
                ],
                "_links": {"self": "https://example.test/object/42"}
            }, {"id": "43", "objectKey": "HR-43"}]
        })
    }

    #[test]
    fn reads_what_the_derived_reader_reads_compact_or_pretty() {
        let compact = page().to_string();
        let pretty = serde_json::to_string_pretty(&page()).unwrap();
        for text in [&compact, &pretty] {
            let read = read_page(text).unwrap();
            assert_eq!(read, derived(text).unwrap());
            assert!(read.is_last);
            assert_eq!(read.values.len(), 2);
            let first = &read.values[0].attributes[0].object_attribute_values[0];
            assert_eq!(first.raw_text(), Some("Zoë \"Z\" O'Brien\n\u{1F600}\u{7}"));
        }
        // Keys may be escaped too; numbers come out as JSON writes them.
        let escaped = r#" { "values" : [ { "\u0069d" : "1" , "objectKey" : "K-\u0031" ,
            "attributes" : [ { "objectTypeAttributeId" : "2" , "objectAttributeValues" :
            [ { "value" : 1E2 } , { "value" : 0.1 } ] } ] } ] , "isLast" : true } "#;
        assert_eq!(read_page(escaped).unwrap(), derived(escaped).unwrap());
        assert_eq!(read_page(escaped).unwrap().values[0].object_key, "K-1");
        for last in ["false", "1", "null", "\"yes\"", "{}", "[true]"] {
            let text = format!(r#"{{"isLast": {last}, "values": []}}"#);
            assert_eq!(read_page(&text).unwrap(), derived(&text).unwrap(), "{text}");
        }
        assert_eq!(read_page("{}").unwrap(), derived("{}").unwrap());
    }

    #[test]
    fn refuses_every_broken_page_the_derived_reader_refuses() {
        let pretty = serde_json::to_string_pretty(&page()).unwrap();
        for (cut, _) in pretty.char_indices() {
            let text = &pretty[..cut];
            assert!(read_page(text).is_err(), "cut at {cut} was read");
            assert!(derived(text).is_err());
        }
        let nested = |depth| {
            format!(
                r#"{{"values": [], "x": {}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        assert_eq!(
            read_page(&nested(1000)).unwrap(),
            derived(&nested(1000)).unwrap()
        );
        assert!(read_page(&nested(5000))
            .unwrap_err()
            .to_string()
            .contains("recursion limit"));
        for text in [
            r#"{"values": [{"objectKey": "K"}]}"#,
            r#"{"values": [{"id": "1", "id": "2", "objectKey": "K"}]}"#,
            r#"{"values": [{"id": 1, "objectKey": "K"}]}"#,
            r#"{"values": null}"#,
            r#"{"values": [], "isLast": tru}"#,
            r#"{"values": []} x"#,
            r#"{"values": [], "n": 01}"#,
            r#"{"values": [], "n": 1.}"#,
            r#"{"values": [], "n": -}"#,
            "{\"values\": [], \"s\": \"a\u{1}b\"}",
            r#"{"values": [], "s": "a\qb"}"#,
            r#"{"values": [], "s": "\u12G4"}"#,
            r#"{"values": [{"id": "\ud800", "objectKey": "K"}]}"#,
            r#"{"values": [], "a": 1,}"#,
            r#"{"values": [{"id": "1", "objectKey": "K", "attributes": [{"objectAttributeValues": []}]}]}"#,
            r#"{"values": [{"id": "1", "objectKey": "K", "attributes": [{"objectTypeAttributeId": "1",
                "objectAttributeValues": [{"referencedObject": "K-2"}]}]}]}"#,
        ] {
            assert!(derived(text).is_err(), "serde reads {text}");
            let error = read_page(text).expect_err(text).to_string();
            assert!(error.contains(" at line "), "{error}");
        }
        let error = read_page("{\n  \"values\": [],\n  \"isLast\": tru\n}").unwrap_err();
        assert_eq!(error.to_string(), "expected a value at line 3 column 13");
    }

    #[test]
    fn special_bytes_are_found_wherever_they_fall_in_a_word() {
        for length in 0..20 {
            for special in [b'"', b'\\', 0x1f] {
                let mut bytes = "é".repeat(length).into_bytes();
                let at = bytes.len();
                bytes.push(special);
                bytes.extend_from_slice(b"tail\"");
                assert_eq!(special_byte(&bytes), at);
            }
            assert_eq!(special_byte(&b"x".repeat(length)), length);
        }
    }
}
