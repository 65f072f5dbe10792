//! Dates as clamd (`ctime`) and HTTP write them, without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The civil date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`): year, month 1-12, day 1-31.
fn civil(days: i64) -> (i64, usize, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as usize;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

struct Parts {
    weekday: &'static str,
    year: i64,
    month: &'static str,
    day: u32,
    h: u64,
    m: u64,
    s: u64,
}

fn parts(t: SystemTime) -> Parts {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil(days);
    Parts {
        weekday: DAYS[(days % 7) as usize],
        year,
        month: MONTHS[month - 1],
        day,
        h: rem / 3600,
        m: rem % 3600 / 60,
        s: rem % 60,
    }
}

/// `Sun Nov 29 11:15:50 2026`, in UTC.
pub fn ctime(t: SystemTime) -> String {
    let p = parts(t);
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        p.weekday, p.month, p.day, p.h, p.m, p.s, p.year
    )
}

/// `Sun, 29 Nov 2026 11:15:50 GMT`.
pub fn http_date(t: SystemTime) -> String {
    let p = parts(t);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        p.weekday, p.day, p.month, p.year, p.h, p.m, p.s
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_950_950);
        assert_eq!(ctime(t), "Sun Nov 29 11:15:50 2026");
        assert_eq!(http_date(t), "Sun, 29 Nov 2026 11:15:50 GMT");
        assert_eq!(ctime(UNIX_EPOCH), "Thu Jan  1 00:00:00 1970");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(http_date(leap), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
