use super::*;

/// A ZIP archive (stored entries) holding `names`, each with a few bytes.
pub(crate) fn zip(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for name in names {
        let offset = out.len() as u32;
        let data = b"<x/>";
        let mut h = b"PK\x03\x04".to_vec();
        h.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        h.extend_from_slice(&[0; 4]); // crc (not checked here)
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&[0, 0]);
        h.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        let mut c = b"PK\x01\x02".to_vec();
        c.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        c.extend_from_slice(&[0; 4]);
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&[0; 12]);
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        central.extend_from_slice(&c);
    }
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 18]);
    out
}

/// Samples of every type the case file takes.
pub(crate) fn samples() -> Vec<(ContentType, Vec<u8>)> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n".to_vec();
    pdf.extend(std::iter::repeat_n(0u8, 100));
    vec![
        (ContentType::Pdf, pdf),
        (ContentType::Ofd, zip(&["OFD.xml", "Doc_0/Document.xml"])),
        (
            ContentType::Jpeg,
            [&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10][..], b"JFIF\0\x01\x02"].concat(),
        ),
        (
            ContentType::Png,
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec(),
        ),
        (ContentType::Tiff, b"II*\0\x08\0\0\0\0\0".to_vec()),
        (
            ContentType::Docx,
            zip(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]),
        ),
        (
            ContentType::Xlsx,
            zip(&["[Content_Types].xml", "xl/workbook.xml"]),
        ),
        (
            ContentType::Text,
            "信访人来信：请求解决拖欠工资问题。\r\n第二行\tx < y\n"
                .as_bytes()
                .to_vec(),
        ),
    ]
}

fn what(bytes: &[u8]) -> Result<FileMeta> {
    inspect(&mut &bytes[..], 20 * MIB)
}

/// The same bytes fed in pieces of `n`.
fn what_in_pieces(bytes: &[u8], n: usize) -> Result<FileMeta> {
    let mut ins = Inspector::new(20 * MIB);
    for piece in bytes.chunks(n) {
        ins.update(piece)?;
    }
    ins.finish()
}

#[test]
fn every_type_is_recognised_by_its_content_whole_or_in_pieces() {
    for (want, bytes) in samples() {
        let got = what(&bytes).expect("ok");
        assert_eq!(got.content_type, want);
        assert_eq!(got.size, bytes.len() as u64);
        assert_eq!(got.sha256, crate::audit::hex(&Sha256::digest(&bytes)));
        for n in [1, 3, 7, 64] {
            assert_eq!(
                what_in_pieces(&bytes, n).expect("ok"),
                got,
                "{want:?} in pieces of {n}"
            );
        }
        assert_eq!(ContentType::of_media(want.media()), Some(want));
    }
}

#[test]
fn programs_markup_archives_and_binary_data_are_refused() {
    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff".to_vec();
    exe.extend_from_slice(b"This program cannot be run in DOS mode");
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    let html = b"<!DOCTYPE html><html><body>hi</body></html>".to_vec();
    let svg =
        b"  <svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    // Markup later in a text that starts as prose.
    let hidden = "请看附件\n\n<SCRIPT>alert(1)</SCRIPT>".as_bytes().to_vec();
    let plain_zip = zip(&["a.txt", "b.exe"]);
    let macros = zip(&[
        "[Content_Types].xml",
        "word/document.xml",
        "word/vbaProject.bin",
    ]);
    let gbk = b"\xd0\xc5\xb7\xc3\xc8\xcb".to_vec(); // 信访人 in GBK: not UTF-8
    for (bytes, why) in [
        (exe, "program"),
        (elf, "program"),
        (html, "markup"),
        (svg, "markup"),
        (hidden, "markup"),
        (plain_zip, "ZIP"),
        (macros, "macros"),
        (gbk, "not a type"),
        (vec![], "empty"),
    ] {
        for n in [1, 5, 4096] {
            let e = what_in_pieces(&bytes, n).expect_err("refused");
            assert_eq!(e.code(), "validation");
            assert!(e.text().en.contains(why), "{why}: {}", e.text().en);
        }
    }
}

#[test]
fn a_file_is_refused_as_soon_as_it_passes_the_limit() {
    let mut ins = Inspector::new(10);
    ins.update(b"0123456789").expect("ok");
    let e = ins.update(b"x").expect_err("refused");
    assert_eq!(e.code(), "validation");
    assert!(e.text().en.contains("attachment_max_mib"));
}

#[test]
fn hashes_have_one_shape() {
    let h = "AB".repeat(32);
    assert_eq!(parse_sha256(&h).expect("ok"), "ab".repeat(32));
    for bad in ["", "xyz", &"a".repeat(63), &"g".repeat(64)] {
        assert_eq!(parse_sha256(bad).expect_err("refused").code(), "validation");
    }
    let meta = FileMeta {
        sha256: h,
        size: CHUNK as u64 + 1,
        content_type: ContentType::Pdf,
    };
    assert_eq!(meta.chunks(), 2);
}
