//! Dates and times: ISO 8601 reading, a strftime subset for `parseDate=` / `formatDate=`, and
//! the canonical forms Assets values are compared in. Hand-written so the core needs no clock,
//! no time zone database and nothing that pulls JavaScript into the wasm build.

/// A date, a time of day, or both, as read from a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moment {
    /// `(year, month, day)`.
    pub date: Option<(i32, u32, u32)>,
    /// `(hour, minute, second, nanosecond)`.
    pub time: Option<(u32, u32, u32, u32)>,
    /// Offset from UTC in minutes, when the value carried one.
    pub offset_minutes: Option<i32>,
}

impl Moment {
    /// `YYYY-MM-DD`, the date as written (no time zone shift).
    pub fn date_text(&self) -> Option<String> {
        self.date.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
    }

    /// `HH:MM:SS`, the time as written.
    pub fn time_text(&self) -> Option<String> {
        self.time
            .map(|(h, m, s, _)| format!("{h:02}:{m:02}:{s:02}"))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.mmm]Z` in UTC; a value without an offset is taken as UTC and a
    /// value without a time as midnight.
    pub fn datetime_text(&self) -> Option<String> {
        let (y, mo, d) = self.date?;
        let (h, mi, s, nanos) = self.time.unwrap_or((0, 0, 0, 0));
        let offset = i64::from(self.offset_minutes.unwrap_or(0));
        let minutes = days_from_civil(y, mo, d) * 1440 + i64::from(h) * 60 + i64::from(mi) - offset;
        let days = minutes.div_euclid(1440);
        let minute_of_day = minutes.rem_euclid(1440);
        let (y, mo, d) = civil_from_days(days);
        let millis = nanos / 1_000_000;
        let (h, mi) = ((minute_of_day / 60) as u32, (minute_of_day % 60) as u32);
        let Ok(year @ 0..=9999) = u32::try_from(y) else {
            let fraction = if millis == 0 {
                String::new()
            } else {
                format!(".{millis:03}")
            };
            return Some(format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}Z"
            ));
        };
        // Every stored and mapped date-time of a run is written here: digits pushed straight,
        // not through the formatting machinery.
        let mut text = String::with_capacity(24);
        for (n, width, after) in [
            (year, 4, '-'),
            (mo, 2, '-'),
            (d, 2, 'T'),
            (h, 2, ':'),
            (mi, 2, ':'),
            (s, 2, '.'),
        ] {
            push_digits(&mut text, n, width);
            text.push(after);
        }
        if millis == 0 {
            text.pop();
        } else {
            push_digits(&mut text, millis, 3);
        }
        text.push('Z');
        Some(text)
    }
}

/// Appends `n` (below `10^width`) in `width` digits, zero-padded.
fn push_digits(text: &mut String, n: u32, width: u32) {
    let mut unit = 10u32.pow(width - 1);
    while unit > 0 {
        text.push(char::from(b'0' + (n / unit % 10) as u8));
        unit /= 10;
    }
}

/// Reads ISO 8601: `2024-03-01`, `2024-03-01T09:30[:00[.123]][Z|+01:00]` (a space may stand
/// for `T`), or a time alone, `09:30[:00]`.
pub fn parse_iso(text: &str) -> Result<Moment, String> {
    let text = text.trim();
    let mut cursor = Cursor { text, at: 0 };
    let mut moment = Moment::default();
    if text.len() >= 8 && text.as_bytes().get(4) == Some(&b'-') {
        let year = cursor.number(4, 4)? as i32;
        cursor.expect('-')?;
        let month = cursor.number(2, 2)?;
        cursor.expect('-')?;
        let day = cursor.number(2, 2)?;
        moment.date = Some((year, month, day));
        if cursor.eat('T') || cursor.eat('t') || (cursor.eat(' ') && !cursor.done()) {
            read_iso_time(&mut cursor, &mut moment)?;
        }
    } else {
        read_iso_time(&mut cursor, &mut moment)?;
    }
    if !cursor.done() {
        return Err(format!(
            "unexpected `{}` after an ISO 8601 value",
            cursor.rest()
        ));
    }
    check(&moment)?;
    Ok(moment)
}

fn read_iso_time(cursor: &mut Cursor<'_>, moment: &mut Moment) -> Result<(), String> {
    // Strict ISO wants two hour digits; `9:05` is common enough in directories to accept.
    let hour = cursor.number(1, 2)?;
    cursor.expect(':')?;
    let minute = cursor.number(2, 2)?;
    let second = if cursor.eat(':') {
        cursor.number(2, 2)?
    } else {
        0
    };
    let nanos = if cursor.eat('.') || cursor.eat(',') {
        cursor.fraction()?
    } else {
        0
    };
    moment.time = Some((hour, minute, second, nanos));
    if !cursor.done() {
        moment.offset_minutes = Some(cursor.offset()?);
    }
    Ok(())
}

/// One field of a strftime pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Literal(char),
    /// Any run of whitespace when reading, one space when writing.
    Space,
    Year,
    Year2,
    Month,
    MonthShort,
    MonthLong,
    Day,
    DaySpace,
    Hour,
    Hour12,
    Minute,
    Second,
    Fraction,
    AmPm,
    Offset,
    Weekday,
}

/// The `%` fields a pattern may use, for documentation and error messages.
pub const PATTERN_FIELDS: &str = "%Y %y %m %d %e %H %I %M %S %f %p %b %B %a %A %z %F %T %%";

/// A compiled strftime-subset pattern, e.g. `%d/%m/%Y %H:%M`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    fields: Vec<Field>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl Pattern {
    /// Compiles a pattern; the error names the unknown field.
    pub fn parse(pattern: &str) -> Result<Pattern, String> {
        let mut fields = Vec::new();
        let mut chars = pattern.chars();
        while let Some(ch) = chars.next() {
            if ch != '%' {
                fields.push(if ch.is_whitespace() {
                    Field::Space
                } else {
                    Field::Literal(ch)
                });
                continue;
            }
            let field = match chars.next() {
                Some('Y') => Field::Year,
                Some('y') => Field::Year2,
                Some('m') => Field::Month,
                Some('b') | Some('h') => Field::MonthShort,
                Some('B') => Field::MonthLong,
                Some('d') => Field::Day,
                Some('e') => Field::DaySpace,
                Some('H') => Field::Hour,
                Some('I') => Field::Hour12,
                Some('M') => Field::Minute,
                Some('S') => Field::Second,
                Some('f') => Field::Fraction,
                Some('p') => Field::AmPm,
                Some('z') => Field::Offset,
                Some('a') | Some('A') => Field::Weekday,
                Some('F') => {
                    fields.extend([
                        Field::Year,
                        Field::Literal('-'),
                        Field::Month,
                        Field::Literal('-'),
                    ]);
                    Field::Day
                }
                Some('T') => {
                    fields.extend([
                        Field::Hour,
                        Field::Literal(':'),
                        Field::Minute,
                        Field::Literal(':'),
                    ]);
                    Field::Second
                }
                Some('%') => Field::Literal('%'),
                Some(other) => return Err(format!("`%{other}` is not a known date field")),
                None => return Err("the pattern ends with a lone `%`".to_string()),
            };
            fields.push(field);
        }
        Ok(Pattern { fields })
    }

    /// Reads `text` written in this pattern.
    pub fn read(&self, text: &str) -> Result<Moment, String> {
        let text = text.trim();
        let mut cursor = Cursor { text, at: 0 };
        let (mut year, mut month, mut day) = (None, None, None);
        let (mut hour, mut minute, mut second, mut nanos) = (None, None, None, 0);
        let (mut pm, mut hour12, mut offset) = (None, None, None);
        for field in &self.fields {
            match *field {
                Field::Literal(c) => cursor.expect(c)?,
                Field::Space => {
                    if !cursor.skip_space() {
                        return Err(format!("expected a space at `{}`", cursor.rest()));
                    }
                }
                Field::Year => year = Some(cursor.number(4, 4)? as i32),
                // POSIX: 69-99 are 1969-1999, 00-68 are 2000-2068.
                Field::Year2 => {
                    year =
                        Some(
                            cursor
                                .number(2, 2)
                                .map(|y| if y >= 69 { 1900 + y } else { 2000 + y })?
                                as i32,
                        )
                }
                Field::Month => month = Some(cursor.number(1, 2)?),
                Field::MonthShort | Field::MonthLong => month = Some(cursor.name(&MONTHS)? + 1),
                Field::Day => day = Some(cursor.number(1, 2)?),
                Field::DaySpace => {
                    cursor.skip_space();
                    day = Some(cursor.number(1, 2)?)
                }
                Field::Hour => hour = Some(cursor.number(1, 2)?),
                Field::Hour12 => hour12 = Some(cursor.number(1, 2)?),
                Field::Minute => minute = Some(cursor.number(1, 2)?),
                Field::Second => second = Some(cursor.number(1, 2)?),
                Field::Fraction => nanos = cursor.fraction()?,
                Field::AmPm => pm = Some(cursor.name(&["AM", "PM"])? == 1),
                Field::Offset => offset = Some(cursor.offset()?),
                Field::Weekday => {
                    cursor.name(&WEEKDAYS)?;
                }
            }
        }
        if !cursor.done() {
            return Err(format!("unexpected `{}` after the pattern", cursor.rest()));
        }
        if let Some(h) = hour12 {
            if !(1..=12).contains(&h) {
                return Err(format!("hour {h} is not between 1 and 12"));
            }
            hour = Some(h % 12 + if pm == Some(true) { 12 } else { 0 });
        }
        let mut moment = Moment {
            offset_minutes: offset,
            ..Moment::default()
        };
        match (year, month, day) {
            (None, None, None) => {}
            (Some(y), Some(m), d) => moment.date = Some((y, m, d.unwrap_or(1))),
            _ => return Err("the pattern needs at least a year and a month".to_string()),
        }
        if hour.is_some() || minute.is_some() {
            moment.time = Some((
                hour.unwrap_or(0),
                minute.unwrap_or(0),
                second.unwrap_or(0),
                nanos,
            ));
        }
        if moment.date.is_none() && moment.time.is_none() {
            return Err("the pattern reads neither a date nor a time".to_string());
        }
        check(&moment)?;
        Ok(moment)
    }

    /// Writes a moment in this pattern.
    pub fn write(&self, moment: &Moment) -> Result<String, String> {
        let need_date = || {
            moment
                .date
                .ok_or_else(|| "the value has no date".to_string())
        };
        let need_time = || {
            moment
                .time
                .ok_or_else(|| "the value has no time".to_string())
        };
        let mut out = String::new();
        for field in &self.fields {
            let piece = match *field {
                Field::Literal(c) => c.to_string(),
                Field::Space => " ".to_string(),
                Field::Year => format!("{:04}", need_date()?.0),
                Field::Year2 => format!("{:02}", need_date()?.0.rem_euclid(100)),
                Field::Month => format!("{:02}", need_date()?.1),
                Field::MonthShort => MONTHS[need_date()?.1 as usize - 1][..3].to_string(),
                Field::MonthLong => MONTHS[need_date()?.1 as usize - 1].to_string(),
                Field::Day => format!("{:02}", need_date()?.2),
                Field::DaySpace => format!("{:>2}", need_date()?.2),
                Field::Hour => format!("{:02}", need_time()?.0),
                Field::Hour12 => format!("{:02}", (need_time()?.0 + 11) % 12 + 1),
                Field::Minute => format!("{:02}", need_time()?.1),
                Field::Second => format!("{:02}", need_time()?.2),
                Field::Fraction => format!("{:03}", need_time()?.3 / 1_000_000),
                Field::AmPm => (if need_time()?.0 >= 12 { "PM" } else { "AM" }).to_string(),
                Field::Offset => match moment.offset_minutes {
                    None | Some(0) => "Z".to_string(),
                    Some(m) => format!(
                        "{}{:02}:{:02}",
                        if m < 0 { '-' } else { '+' },
                        m.abs() / 60,
                        m.abs() % 60
                    ),
                },
                Field::Weekday => {
                    let (y, m, d) = need_date()?;
                    // 1970-01-01 was a Thursday (index 3 from Monday).
                    WEEKDAYS[(days_from_civil(y, m, d) + 3).rem_euclid(7) as usize].to_string()
                }
            };
            out.push_str(&piece);
        }
        Ok(out)
    }
}

fn check(moment: &Moment) -> Result<(), String> {
    if let Some((y, m, d)) = moment.date {
        if !(1..=12).contains(&m) {
            return Err(format!("month {m} is not between 1 and 12"));
        }
        if d < 1 || d > days_in_month(y, m) {
            return Err(format!("{y:04}-{m:02} has no day {d}"));
        }
    }
    if let Some((h, mi, s, _)) = moment.time {
        if h > 23 || mi > 59 || s > 59 {
            return Err(format!("{h:02}:{mi:02}:{s:02} is not a time of day"));
        }
    }
    if let Some(offset) = moment.offset_minutes {
        if offset.abs() >= 24 * 60 {
            return Err("the UTC offset is more than a day".to_string());
        }
    }
    Ok(())
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn done(&self) -> bool {
        self.at >= self.text.len()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected `{c}` at `{}`", self.rest()))
        }
    }

    fn skip_space(&mut self) -> bool {
        let before = self.at;
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
        self.at > before
    }

    fn number(&mut self, min: usize, max: usize) -> Result<u32, String> {
        let digits = self
            .rest()
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if digits < min {
            return Err(format!("expected {min} digit(s) at `{}`", self.rest()));
        }
        let value = self.rest()[..digits]
            .parse::<u32>()
            .map_err(|e| e.to_string())?;
        self.at += digits;
        Ok(value)
    }

    fn fraction(&mut self) -> Result<u32, String> {
        let digits: String = self
            .rest()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            return Err("expected fraction digits".to_string());
        }
        self.at += digits.len();
        let padded: String = digits
            .chars()
            .chain(std::iter::repeat('0'))
            .take(9)
            .collect();
        padded.parse::<u32>().map_err(|e| e.to_string())
    }

    fn name(&mut self, names: &[&str]) -> Result<u32, String> {
        let rest = self.rest().to_ascii_lowercase();
        // Full names first so that `March` is not read as `Mar` + `ch`.
        for (index, name) in names.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            if rest.starts_with(&lower) {
                self.at += lower.len();
                return Ok(index as u32);
            }
        }
        for (index, name) in names.iter().enumerate() {
            let short = name[..3.min(name.len())].to_ascii_lowercase();
            if rest.starts_with(&short) {
                self.at += short.len();
                return Ok(index as u32);
            }
        }
        Err(format!(
            "expected a name such as `{}` at `{}`",
            names[0],
            self.rest()
        ))
    }

    fn offset(&mut self) -> Result<i32, String> {
        if self.eat('Z') || self.eat('z') {
            return Ok(0);
        }
        let sign = if self.eat('+') {
            1
        } else if self.eat('-') {
            -1
        } else {
            return Err(format!("expected `Z` or a UTC offset at `{}`", self.rest()));
        };
        let hours = self.number(2, 2)?;
        self.eat(':');
        let minutes = if self.done() { 0 } else { self.number(2, 2)? };
        Ok(sign * (hours * 60 + minutes) as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        let m = parse_iso("2024-02-29T23:30:00.250+02:00").unwrap();
        assert_eq!(m.date_text().unwrap(), "2024-02-29");
        assert_eq!(m.datetime_text().unwrap(), "2024-02-29T21:30:00.250Z");
        assert_eq!(
            parse_iso("2024-03-01T00:30:00-01:00")
                .unwrap()
                .datetime_text()
                .unwrap(),
            "2024-03-01T01:30:00Z"
        );
        assert_eq!(
            parse_iso("2023-12-31T23:00:00-02:00")
                .unwrap()
                .datetime_text()
                .unwrap(),
            "2024-01-01T01:00:00Z"
        );
        assert_eq!(parse_iso("09:05").unwrap().time_text().unwrap(), "09:05:00");
        assert!(parse_iso("2023-02-29").is_err());
        assert!(parse_iso("2023-01-01T25:00").is_err());
        assert!(parse_iso("yesterday").is_err());
    }

    #[test]
    fn utc_text_pads_every_field_and_keeps_years_outside_four_digits() {
        let text = |iso: &str| parse_iso(iso).unwrap().datetime_text().unwrap();
        assert_eq!(text("0001-02-03T04:05:06.007Z"), "0001-02-03T04:05:06.007Z");
        assert_eq!(
            text("2024-06-01T00:00:00.120+00:00"),
            "2024-06-01T00:00:00.120Z"
        );
        assert_eq!(text("2024-06-01"), "2024-06-01T00:00:00Z");
        assert_eq!(text("9999-12-31T23:59:59.999Z"), "9999-12-31T23:59:59.999Z");
        // An offset can carry a date out of four digits, either way.
        assert_eq!(text("9999-12-31T23:30:00-01:00"), "10000-01-01T00:30:00Z");
        assert_eq!(text("0000-01-01T00:30:00+01:00"), "-001-12-31T23:30:00Z");
    }

    #[test]
    fn patterns_read_and_write() {
        let p = Pattern::parse("%d/%m/%Y %I:%M %p").unwrap();
        let m = p.read("03/04/2024 02:15 PM").unwrap();
        assert_eq!(m.datetime_text().unwrap(), "2024-04-03T14:15:00Z");
        let out = Pattern::parse("%A %e %B %y").unwrap().write(&m).unwrap();
        assert_eq!(out, "Wednesday  3 April 24");
        assert_eq!(
            Pattern::parse("%Q").unwrap_err(),
            "`%Q` is not a known date field"
        );
        assert!(Pattern::parse("%m/%d/%Y")
            .unwrap()
            .read("13/01/2024")
            .is_err());
        assert_eq!(
            Pattern::parse("%b %d, %Y")
                .unwrap()
                .read("Mar 5, 2021")
                .unwrap()
                .date_text()
                .unwrap(),
            "2021-03-05"
        );
    }
}
