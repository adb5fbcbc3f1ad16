//! Dates as the index and the command line give them, as unix seconds.

/// Parses an RFC 3339 timestamp (`2026-03-24T10:00:00Z`, `…T10:00:00.123456+02:00`) or a
/// plain date (`2026-03-24`, midnight UTC) to unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = match text.find(['T', 't', ' ']) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, ""),
    };
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if rest.is_empty() {
        return Some(seconds);
    }
    // The offset: `Z`, or `+HH:MM` / `-HH:MM` after the time.
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "Z"),
    };
    let clock = clock.split('.').next()?;
    let mut fields = clock.splitn(3, ':');
    let hour: i64 = fields.next()?.parse().ok()?;
    let minute: i64 = fields.next()?.parse().ok()?;
    let second: i64 = fields.next().unwrap_or("0").parse().ok()?;
    seconds += hour * 3600 + minute * 60 + second;
    if let Some(sign) = offset.chars().next().filter(|c| *c == '+' || *c == '-') {
        let (h, m) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
        let shift = h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60;
        seconds += if sign == '+' { -shift } else { shift };
    }
    Some(seconds)
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_time(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_and_dates() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2026-03-24T10:00:00Z"), Some(1_774_346_400));
        assert_eq!(
            parse_time("2026-03-24T12:00:00.123456+02:00"),
            Some(1_774_346_400)
        );
        assert_eq!(parse_time("2026-03-24"), Some(1_774_310_400));
        assert_eq!(parse_time("not a date"), None);
        assert_eq!(format_time(1_774_346_400), "2026-03-24T10:00:00Z");
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
    }
}
