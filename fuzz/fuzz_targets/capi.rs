#![no_main]
//! The C API's buffer and stream entry points, called as C calls them
//! (through the `extern "C"` functions, with raw pointers): a buffer scan,
//! a scan of a buffer handed over without a copy, and a stream of
//! fuzzer-chosen pieces of the same bytes must all succeed and agree on the
//! verdict when every byte arrived once; the handed-over buffer's free
//! callback runs exactly once, before the call returns, on success and on
//! a fuzzer-chosen error alike; the report accessors must hold up for every
//! index, in range or not; a name that is not UTF-8 is never refused.

use std::ffi::{CString, c_void};
use std::ptr;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use xferscan::ffi::engine::{
    xferscan_engine, xferscan_engine_builder_build, xferscan_engine_builder_free,
    xferscan_engine_builder_new,
};
use xferscan::ffi::report::*;
use xferscan::ffi::result::xferscan_result;
use xferscan::ffi::scan::{xferscan_engine_scan_bytes, xferscan_engine_scan_bytes_owned};
use xferscan::ffi::stream::*;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    name: &'a [u8],
    data: &'a [u8],
    /// Piece lengths; the pieces cover the data in order, then are fed in
    /// the order `order` picks.
    cuts: Vec<u8>,
    order: Vec<u8>,
    null_piece: bool,
    /// Hand the buffer over with no place for the report: an error, which
    /// must free it all the same.
    owned_without_out: bool,
}

/// A heap copy of the input handed over, and the free callback's calls.
struct Handed {
    buffer: Option<Box<[u8]>>,
    calls: usize,
}

unsafe extern "C" fn free_handed(userdata: *mut c_void, data: *const u8, len: usize) {
    // SAFETY: the target passes a live `Handed`.
    let h = unsafe { &mut *userdata.cast::<Handed>() };
    h.calls += 1;
    let buffer = h.buffer.take().expect("freed twice");
    assert_eq!((data, len), (buffer.as_ptr(), buffer.len()));
}

/// One engine for the process, as a C host keeps it.
struct Shared(*mut xferscan_engine);
// SAFETY: an engine is immutable once built and meant for many threads.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

fn engine() -> *const xferscan_engine {
    static ENGINE: OnceLock<Shared> = OnceLock::new();
    ENGINE
        .get_or_init(|| unsafe {
            let mut b = ptr::null_mut();
            assert_eq!(xferscan_engine_builder_new(&mut b), xferscan_result::Ok);
            let mut e = ptr::null_mut();
            assert_eq!(
                xferscan_engine_builder_build(b, &mut e),
                xferscan_result::Ok
            );
            xferscan_engine_builder_free(b);
            Shared(e)
        })
        .0
}

/// Reads every accessor, in range and one past it.
unsafe fn read_all(r: *const xferscan_report) {
    unsafe {
        let nf = xferscan_report_finding_count(r);
        for i in 0..=nf {
            let key = xferscan_report_finding_key(r, i);
            assert_eq!(key.is_null(), i == nf);
            xferscan_report_finding_path(r, i);
            xferscan_report_finding_rule(r, i);
            xferscan_report_finding_action(r, i);
            for t in 0..=xferscan_report_finding_tag_count(r, i) {
                xferscan_report_finding_tag(r, i, t);
            }
        }
        let no = xferscan_report_object_count(r);
        assert!(no >= 1);
        for i in 0..=no {
            assert_eq!(xferscan_report_object_path(r, i).is_null(), i == no);
            for t in 0..=xferscan_report_object_type_count(r, i) {
                xferscan_report_object_type(r, i, t);
            }
            xferscan_report_object_sha256(r, i);
        }
        let mut json = ptr::null();
        let mut len = 0;
        assert_eq!(
            xferscan_report_json(r, &mut json, &mut len),
            xferscan_result::Ok
        );
        assert!(!json.is_null());
    }
}

fuzz_target!(|input: Input<'_>| {
    let e = engine();
    // A name with its NULs taken out, as C would pass it.
    let name: Vec<u8> = input
        .name
        .iter()
        .copied()
        .filter(|&b| b != 0)
        .take(64)
        .collect();
    let name = CString::new(name).expect("no NUL left");
    unsafe {
        let mut whole = ptr::null_mut();
        let data = if input.data.is_empty() {
            ptr::null()
        } else {
            input.data.as_ptr()
        };
        assert_eq!(
            xferscan_engine_scan_bytes(
                e,
                name.as_ptr(),
                data,
                input.data.len(),
                ptr::null(),
                &mut whole
            ),
            xferscan_result::Ok
        );
        read_all(whole);

        // The same bytes handed over without a copy.
        let mut handed = Handed {
            buffer: Some(input.data.into()),
            calls: 0,
        };
        let buffer = handed.buffer.as_ref().expect("just set");
        let (owned_data, owned_len) = (buffer.as_ptr(), buffer.len());
        let mut owned = ptr::null_mut();
        let out: *mut *mut xferscan_report = if input.owned_without_out {
            ptr::null_mut()
        } else {
            &mut owned
        };
        let rc = xferscan_engine_scan_bytes_owned(
            e,
            name.as_ptr(),
            owned_data,
            owned_len,
            Some(free_handed),
            (&raw mut handed).cast(),
            ptr::null(),
            out,
        );
        assert_eq!(handed.calls, 1, "freed once, before the return");
        if input.owned_without_out {
            assert_eq!(rc, xferscan_result::NullParameter);
            assert!(owned.is_null());
        } else {
            assert_eq!(rc, xferscan_result::Ok);
            assert_eq!(
                xferscan_report_verdict(owned),
                xferscan_report_verdict(whole)
            );
            read_all(owned);
            xferscan_report_free(owned);
        }

        // The same bytes as a stream of pieces, in a fuzzer-chosen order.
        let mut pieces = Vec::new();
        let mut at = 0usize;
        for &c in input.cuts.iter().take(64) {
            if at >= input.data.len() {
                break;
            }
            let end = (at + c as usize + 1).min(input.data.len());
            pieces.push((at, end));
            at = end;
        }
        if at < input.data.len() {
            pieces.push((at, input.data.len()));
        }
        for (i, &o) in input.order.iter().enumerate().take(pieces.len()) {
            let j = o as usize % pieces.len();
            pieces.swap(i, j);
        }
        let mut s = ptr::null_mut();
        assert_eq!(
            xferscan_stream_new(e, name.as_ptr(), ptr::null(), &mut s),
            xferscan_result::Ok
        );
        assert_eq!(
            xferscan_stream_declare_len(s, input.data.len() as u64),
            xferscan_result::Ok
        );
        for &(a, b) in &pieces {
            let piece = &input.data[a..b];
            assert_eq!(
                xferscan_stream_feed_at(s, a as u64, piece.as_ptr(), piece.len()),
                xferscan_result::Ok
            );
        }
        if input.null_piece {
            assert_eq!(
                xferscan_stream_feed(s, ptr::null(), 1),
                xferscan_result::NullParameter
            );
            assert_eq!(xferscan_stream_feed(s, ptr::null(), 0), xferscan_result::Ok);
        }
        let mut streamed = ptr::null_mut();
        assert_eq!(
            xferscan_stream_finish(s, &mut streamed),
            xferscan_result::Ok
        );
        assert_eq!(
            xferscan_stream_feed(s, input.data.as_ptr(), 0),
            xferscan_result::StreamFinished
        );
        xferscan_stream_free(s);
        read_all(streamed);
        assert_eq!(
            xferscan_report_verdict(whole),
            xferscan_report_verdict(streamed)
        );
        xferscan_report_free(whole);
        xferscan_report_free(streamed);
    }
});
