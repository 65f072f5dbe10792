//! The codecs of PDF stream filters: FlateDecode (zlib or raw deflate, with
//! PNG and TIFF predictors), LZWDecode (`weezl`), ASCIIHexDecode,
//! ASCII85Decode and RunLengthDecode, chained as a stream's `/Filter`
//! says. Every stage goes through the budget; a truncated or corrupt stage
//! keeps what it produced. Image codecs end the chain (the bytes are handed
//! on as they are); other filters are unsupported.

use std::io;

use bytes::Bytes;

use super::decode::inflate_into;
use crate::budget::{Budget, Charged, Stop, Watch};
use crate::format::pdf::{Dict, Obj};
use crate::limits::LimitKind;

/// Longest filter chain decoded: real files use one or two.
pub(crate) const MAX_FILTERS: usize = 8;

/// Widest predictor row (bytes) honoured; a wider one leaves the data as
/// the codec produced it.
const MAX_ROW: usize = 1 << 20;

/// What decoding a stream gave.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// The bytes as far as the chain went: the raw data when no filter was
    /// applied (then a slice of the file).
    pub data: Option<Charged>,
    /// True when some filter was applied.
    pub decoded: bool,
    /// The limit that stopped a stage.
    pub limit: Option<LimitKind>,
    /// Stages that failed (corrupt or truncated data), with their filter.
    pub errors: Vec<String>,
    /// A filter that cannot be decoded (encryption, an unknown name).
    pub unsupported: Option<String>,
    /// The chain ends at an image codec: the data is the image.
    pub image: bool,
    /// The chain is longer than [`MAX_FILTERS`].
    pub too_long: bool,
}

/// The names of a stream's filters, and the parameters of each.
fn chain(dict: &Dict) -> Vec<(Vec<u8>, Option<&Dict>)> {
    let names: Vec<Vec<u8>> = match dict.get(b"Filter") {
        Some(Obj::Name(n)) => vec![n.clone()],
        Some(Obj::Array(a)) => a
            .iter()
            .filter_map(|v| match v {
                Obj::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let parms: Vec<Option<&Dict>> = match dict.get(b"DecodeParms").or(dict.get(b"DP")) {
        Some(Obj::Dict(d)) => vec![Some(d)],
        Some(Obj::Array(a)) => a
            .iter()
            .map(|v| match v {
                Obj::Dict(d) => Some(d),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, parms.get(i).copied().flatten()))
        .collect()
}

fn image_codec(n: &[u8]) -> bool {
    matches!(
        n,
        b"DCTDecode" | b"DCT" | b"JPXDecode" | b"JBIG2Decode" | b"CCITTFaxDecode" | b"CCF"
    )
}

/// The name of the crypt filter that `dict`'s chain holds (its
/// `/DecodeParms` `/Name`; `Identity` when it names none), if it holds one.
pub(crate) fn crypt_filter(dict: &Dict) -> Option<Vec<u8>> {
    let (_, parms) = chain(dict).into_iter().find(|(n, _)| n == b"Crypt")?;
    Some(match parms.and_then(|p| p.get(b"Name")) {
        Some(Obj::Name(n)) => n.clone(),
        _ => b"Identity".to_vec(),
    })
}

/// Decodes `raw` through the filters `dict` names, under the budget.
/// `crypt_applied`: the reader decrypted the stream by the crypt filter
/// its chain names, which is then passed over.
pub(crate) fn decode(dict: &Dict, raw: Bytes, crypt_applied: bool, budget: &mut Budget) -> Decoded {
    let mut out = Decoded {
        data: None,
        decoded: false,
        limit: None,
        errors: Vec::new(),
        unsupported: None,
        image: false,
        too_long: false,
    };
    let filters = chain(dict);
    if filters.len() > MAX_FILTERS {
        out.too_long = true;
    }
    let mut cur = raw;
    let mut last: Option<Charged> = None;
    for (name, parms) in filters.iter().take(MAX_FILTERS) {
        let n = name.as_slice();
        if image_codec(n) {
            out.image = true;
            break;
        }
        let mut not_undone = None;
        let d = match n {
            b"FlateDecode" | b"Fl" => {
                let parms = *parms;
                budget.fill(cur.len() as u64, |o, cap, w| {
                    let r = inflate_into(zlib_body(&cur), o, cap, w);
                    not_undone = predict(o, parms);
                    r
                })
            }
            b"LZWDecode" | b"LZW" => {
                let parms = *parms;
                let early = parms.and_then(|p| p.int(b"EarlyChange")) != Some(0);
                budget.fill(cur.len() as u64, |o, cap, w| {
                    let r = lzw_into(&cur, early, o, cap, w);
                    not_undone = predict(o, parms);
                    r
                })
            }
            b"RunLengthDecode" | b"RL" => budget.fill(cur.len() as u64, |o, cap, w| {
                run_length_into(&cur, o, cap, w)
            }),
            b"ASCIIHexDecode" | b"AHx" => budget.take(ascii_hex(&cur)),
            b"ASCII85Decode" | b"A85" => budget.take(ascii85(&cur)),
            b"Crypt"
                if crypt_applied
                    || parms
                        .and_then(|p| p.get(b"Name"))
                        .is_none_or(|v| v.is_name(b"Identity")) =>
            {
                continue;
            }
            other => {
                out.unsupported = Some(String::from_utf8_lossy(other).into_owned());
                break;
            }
        };
        out.decoded = true;
        if let Some(why) = not_undone {
            // The bytes are scanned as decoded so far; that the predictor
            // was not undone is reported as an unsupported method.
            out.unsupported
                .get_or_insert(format!("{} {why}", String::from_utf8_lossy(n)));
        }
        if let Some(e) = d.error {
            out.errors
                .push(format!("{}: {e}", String::from_utf8_lossy(n)));
        }
        cur = d.data.clone().into_bytes();
        last = Some(d.data);
        if d.limit.is_some() {
            out.limit = d.limit;
            break;
        }
    }
    out.data = match last {
        Some(c) => Some(c),
        None => match budget.charge_slice(cur) {
            Ok(c) => Some(c),
            Err(l) => {
                out.limit = Some(l);
                None
            }
        },
    };
    out
}

/// The deflate data of a zlib stream (its header skipped), or the input as
/// it is when it has no zlib header (some writers leave it out).
fn zlib_body(input: &[u8]) -> &[u8] {
    match input {
        [cmf, flg, rest @ ..]
            if cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 =>
        {
            if flg & 0x20 != 0 {
                rest.get(4..).unwrap_or(&[])
            } else {
                rest
            }
        }
        _ => input,
    }
}

/// LZW (`EarlyChange` 1 is TIFF's size switch) onto `out`, at most `cap`
/// bytes; true when there was more.
fn lzw_into(
    input: &[u8],
    early: bool,
    out: &mut Vec<u8>,
    cap: u64,
    watch: &Watch,
) -> Result<bool, Stop> {
    use weezl::{BitOrder, LzwStatus, decode::Decoder};
    const STEP: usize = 256 << 10;
    let cap = cap.min(usize::MAX as u64) as usize;
    let mut d = if early {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut inp = input;
    loop {
        watch.check().map_err(Stop::Limit)?;
        if out.len() >= cap {
            let mut probe = [0u8; 1];
            let r = d.decode_bytes(inp, &mut probe);
            return Ok(r.consumed_out > 0);
        }
        let len = out.len();
        let step = (cap - len).min(STEP);
        out.resize(len + step, 0);
        let r = d.decode_bytes(inp, &mut out[len..]);
        out.truncate(len + r.consumed_out);
        inp = &inp[r.consumed_in.min(inp.len())..];
        match r.status {
            Ok(LzwStatus::Done) => return Ok(false),
            Ok(LzwStatus::NoProgress) => return Ok(false),
            Ok(LzwStatus::Ok) => {
                if r.consumed_in == 0 && r.consumed_out == 0 {
                    return Ok(false);
                }
            }
            Err(e) => {
                return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string()).into());
            }
        }
    }
}

/// RunLengthDecode onto `out`, at most `cap` bytes.
fn run_length_into(input: &[u8], out: &mut Vec<u8>, cap: u64, watch: &Watch) -> Result<bool, Stop> {
    let cap = cap.min(usize::MAX as u64) as usize;
    let mut i = 0;
    let mut steps = 0u32;
    while let Some(&l) = input.get(i) {
        steps = steps.wrapping_add(1);
        if steps.is_multiple_of(4096) {
            watch.check().map_err(Stop::Limit)?;
        }
        i += 1;
        let (byte, n) = match l {
            128 => return Ok(false),
            0..=127 => {
                let n = usize::from(l) + 1;
                let end = (i + n).min(input.len());
                let take = (end - i).min(cap - out.len());
                out.extend_from_slice(&input[i..i + take]);
                if take < end - i {
                    return Ok(true);
                }
                i = end;
                continue;
            }
            _ => match input.get(i) {
                Some(&b) => {
                    i += 1;
                    (b, 257 - usize::from(l))
                }
                None => break,
            },
        };
        let take = n.min(cap - out.len());
        out.resize(out.len() + take, byte);
        if take < n {
            return Ok(true);
        }
    }
    Ok(false)
}

/// ASCIIHexDecode: white space and stray bytes skipped, `>` ends it, an odd
/// last digit read as if followed by 0.
fn ascii_hex(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 1);
    let mut half: Option<u8> = None;
    for &c in input {
        if c == b'>' {
            break;
        }
        let Some(v) = (c as char).to_digit(16) else {
            continue;
        };
        let v = v as u8;
        match half.take() {
            Some(h) => out.push(h << 4 | v),
            None => half = Some(v),
        }
    }
    if let Some(h) = half {
        out.push(h << 4);
    }
    out
}

/// ASCII85Decode: `<~` and white space skipped, `z` for four zeros, `~`
/// ends it, a last partial group gives its bytes. Other bytes are skipped.
fn ascii85(input: &[u8]) -> Vec<u8> {
    let input = input.strip_prefix(b"<~").unwrap_or(input);
    let mut out = Vec::with_capacity(input.len());
    let mut group = [0u8; 5];
    let mut n = 0;
    let flush = |group: &[u8; 5], n: usize, out: &mut Vec<u8>| {
        let mut g = *group;
        for x in g.iter_mut().skip(n) {
            *x = 84;
        }
        let v = g.iter().fold(0u64, |a, &d| a * 85 + u64::from(d));
        let v = (v & 0xffff_ffff) as u32;
        out.extend_from_slice(&v.to_be_bytes()[..n - 1]);
    };
    for &c in input {
        match c {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    flush(&group, 5, &mut out);
                    n = 0;
                }
            }
            _ => {}
        }
    }
    if n >= 2 {
        flush(&group, n, &mut out);
    }
    out
}

/// Undoes a PNG (10 and up) or TIFF (2, 8 bits per component) predictor
/// in place, as `/DecodeParms` asks. A predictor asked for but not undone
/// (an unknown one, a row over `MAX_ROW`, TIFF at other depths) leaves the
/// data as is and says why: the caller reports it, never a silent clean.
fn predict(data: &mut Vec<u8>, parms: Option<&Dict>) -> Option<String> {
    let p = parms?;
    let predictor = p.int(b"Predictor").unwrap_or(1);
    if predictor < 2 {
        return None;
    }
    let not_undone = |why: &str| Some(format!("predictor {predictor} ({why})"));
    let colors = p.int(b"Colors").unwrap_or(1).clamp(1, 32) as usize;
    let bpc = p.int(b"BitsPerComponent").unwrap_or(8);
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return not_undone("bits per component");
    }
    let bpc = bpc as usize;
    let columns = p.int(b"Columns").unwrap_or(1).max(1);
    let Ok(columns) = usize::try_from(columns) else {
        return not_undone("columns");
    };
    let Some(row) = colors
        .checked_mul(bpc)
        .and_then(|b| b.checked_mul(columns))
        .map(|b| b.div_ceil(8))
        .filter(|&r| r <= MAX_ROW && r > 0)
    else {
        return not_undone("row too wide");
    };
    let bpp = (colors * bpc).div_ceil(8).max(1);
    if predictor == 2 {
        if bpc != 8 {
            return not_undone("TIFF at other than 8 bits");
        }
        for r in data.chunks_mut(row) {
            for i in colors..r.len() {
                r[i] = r[i].wrapping_add(r[i - colors]);
            }
        }
        return None;
    }
    if predictor < 10 {
        return not_undone("unknown");
    }
    let mut prev = vec![0u8; row];
    let (mut r, mut w) = (0usize, 0usize);
    while r < data.len() {
        let kind = data[r];
        r += 1;
        let n = row.min(data.len() - r);
        for i in 0..n {
            let x = data[r + i];
            let a = if i >= bpp { data[w + i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            data[w + i] = match kind {
                1 => x.wrapping_add(a),
                2 => x.wrapping_add(b),
                3 => x.wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => x.wrapping_add(paeth(a, b, c)),
                _ => x,
            };
        }
        prev[..n].copy_from_slice(&data[w..w + n]);
        r += n;
        w += n;
    }
    data.truncate(w);
    None
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::pdf::Parser;
    use crate::limits::Limits;

    fn dict(s: &[u8]) -> Dict {
        match Parser::new(s, 0).value() {
            Some(Obj::Dict(d)) => d,
            _ => unreachable!(),
        }
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut w = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn run(d: &[u8], raw: Vec<u8>) -> Decoded {
        decode(
            &dict(d),
            Bytes::from(raw),
            false,
            &mut Budget::new(&Limits::default()),
        )
    }

    #[test]
    fn codecs() {
        assert_eq!(ascii_hex(b"48 65 6c6C 6f>zz"), b"Hello");
        assert_eq!(ascii85(b"<~87cURD]i,\"Ebo80~>"), b"Hello World!");
        assert_eq!(ascii85(b"z!!~>"), [0, 0, 0, 0, 0]);
        let mut o = Vec::new();
        let w = Budget::new(&Limits::default());
        let _ = w;
        let watch_budget = &mut Budget::new(&Limits::default());
        let d = watch_budget.fill(0, |out, cap, watch| {
            run_length_into(
                &[2, b'a', b'b', b'c', 253, b'x', 128, b'q'],
                out,
                cap,
                watch,
            )
        });
        o.extend_from_slice(&d.data);
        assert_eq!(o, b"abcxxxx");
    }

    /// A predictor that is asked for but not undone is reported, and the
    /// bytes are still given to be scanned.
    #[test]
    fn a_predictor_not_undone_is_unsupported_not_silent() {
        for parms in [
            &b"<</Filter/FlateDecode/DecodeParms<</Predictor 3/Columns 3>>>>"[..],
            b"<</Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 99999999>>>>",
            b"<</Filter/FlateDecode/DecodeParms<</Predictor 2/BitsPerComponent 4>>>>",
        ] {
            let d = run(parms, zlib(b"payload"));
            assert!(
                d.unsupported.is_some(),
                "{}",
                String::from_utf8_lossy(parms)
            );
            assert_eq!(&d.data.unwrap()[..], b"payload");
        }
        let d = run(
            b"<</Filter/FlateDecode/DecodeParms<</Predictor 1>>>>",
            zlib(b"payload"),
        );
        assert!(d.unsupported.is_none());
    }

    #[test]
    fn chains_and_predictors() {
        let z = zlib(b"payload");
        let hex: String = z.iter().map(|b| format!("{b:02x}")).collect();
        let d = run(b"<</Filter[/AHx /FlateDecode]>>", hex.into_bytes());
        assert_eq!(&d.data.unwrap()[..], b"payload");
        // PNG Up predictor over rows of 3.
        let rows = [2u8, 1, 2, 3, 2, 1, 1, 1];
        let d = run(
            b"<</Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 3>>>>",
            zlib(&rows),
        );
        assert_eq!(&d.data.unwrap()[..], &[1, 2, 3, 2, 3, 4]);
        // A truncated stream keeps what it produced.
        let big: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let z = zlib(&big);
        let d = run(b"<</Filter/FlateDecode>>", z[..z.len() / 2].to_vec());
        assert!(!d.errors.is_empty());
        assert!(d.data.unwrap().len() > 1000);
        // LZW.
        let mut e = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
        let l = e.encode(b"lzw lzw lzw lzw").unwrap();
        let d = run(b"<</Filter/LZWDecode>>", l);
        assert_eq!(&d.data.unwrap()[..], b"lzw lzw lzw lzw");
        let d = run(b"<</Filter/Foo>>", b"x".to_vec());
        assert_eq!(d.unsupported.as_deref(), Some("Foo"));
        let d = run(b"<</Filter/DCTDecode>>", b"\xff\xd8".to_vec());
        assert!(d.image && !d.decoded);
    }
}
