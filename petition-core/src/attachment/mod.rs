//! 附件: the files of a case file (卷宗) — a scanned letter, an id copy, site photos, a signed
//! notice. A file is recognised by its content, never by its name: PDF, OFD, JPEG, PNG, TIFF,
//! DOCX, XLSX or plain UTF-8 text (not markup: an HTML or SVG page is refused, as is anything
//! else, a renamed program included). It is kept content-addressed by its SHA-256 in chunks of
//! [`CHUNK`] bytes, so that no reading or writing of a file holds more than one chunk in memory.
//!
//! [`Inspector`] is fed a file's bytes as they arrive (from a disk or a request body) and says at
//! the end what it is: its hash, size and type ([`FileMeta`]), or why the case file does not
//! take it. It refuses as soon as the file grows past the limit it was given.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{DomainError, Refusal, Result};

/// The size of the chunks a stored file is kept, read and copied in: 256 KiB.
pub const CHUNK: usize = 256 << 10;

/// One mebibyte, the unit of the policy's file limits.
pub const MIB: u64 = 1 << 20;

/// The types of file a case file takes, recognised by their content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContentType {
    /// A PDF document.
    #[serde(rename = "application/pdf")]
    Pdf,
    /// An OFD document (版式文档, GB/T 33190), the national format of electronic official papers.
    #[serde(rename = "application/ofd")]
    Ofd,
    /// A JPEG photo or scan.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// A PNG image.
    #[serde(rename = "image/png")]
    Png,
    /// A TIFF scan.
    #[serde(rename = "image/tiff")]
    Tiff,
    /// A Word document (DOCX).
    #[serde(rename = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    Docx,
    /// An Excel workbook (XLSX).
    #[serde(rename = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx,
    /// Plain text in UTF-8.
    #[serde(rename = "text/plain; charset=utf-8")]
    Text,
}

impl ContentType {
    /// Every type, in the order messages list them.
    pub const ALL: [ContentType; 8] = [
        Self::Pdf,
        Self::Ofd,
        Self::Jpeg,
        Self::Png,
        Self::Tiff,
        Self::Docx,
        Self::Xlsx,
        Self::Text,
    ];

    /// The media type (`application/pdf` …), as HTTP carries it.
    pub fn media(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Ofd => "application/ofd",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Tiff => "image/tiff",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Text => "text/plain; charset=utf-8",
        }
    }

    /// The type of a media type as stored or sent (parameters and case aside).
    pub fn of_media(s: &str) -> Option<Self> {
        let essence = s
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.media().split(';').next() == Some(essence.as_str()))
    }

    /// The usual file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Ofd => "ofd",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Tiff => "tif",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Text => "txt",
        }
    }

    /// A short name for tables: `PDF`, `JPEG`, `text` …
    pub fn short(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Ofd => "OFD",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Tiff => "TIFF",
            Self::Docx => "DOCX",
            Self::Xlsx => "XLSX",
            Self::Text => "TXT",
        }
    }
}

/// What the chain records of a stored file: its SHA-256 (64 lowercase hex digits), size and type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    /// The SHA-256 of the content, 64 lowercase hex digits: the file's address.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// The type recognised from the content.
    pub content_type: ContentType,
}

impl FileMeta {
    /// How many chunks of [`CHUNK`] bytes the file is kept in.
    pub fn chunks(&self) -> u32 {
        u32::try_from(self.size.div_ceil(CHUNK as u64)).unwrap_or(u32::MAX)
    }
}

/// Checks that `s` has the shape of a SHA-256 in hex, and gives it in lowercase.
pub fn parse_sha256(s: &str) -> Result<String> {
    let s = s.trim();
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(DomainError::from(Refusal::field(
            "sha256",
            "is not a file's SHA-256: 64 hex digits, as `attachments` lists them",
            "不是文件的 SHA-256：应为 64 位十六进制数字，见 attachments 列出的值",
        )))
    }
}

/// What the first bytes say a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Known(ContentType),
    /// A ZIP archive: DOCX, XLSX or OFD by the names of its entries.
    Zip,
    /// No magic number: text if every byte says so.
    Text,
}

/// Feeds on a file's bytes as they arrive and says at the end what it is ([`FileMeta`]) or
/// why the case file refuses it. Memory stays at a few hundred bytes whatever the file's size.
pub struct Inspector {
    hasher: Sha256,
    size: u64,
    max: u64,
    /// The first bytes, until there are enough to read the magic number.
    head: Vec<u8>,
    family: Option<Family>,
    /// The last bytes seen, for a pattern that straddles two chunks.
    tail: Vec<u8>,
    zip: ZipNames,
    text: TextCheck,
}

/// What a ZIP archive's entry names said.
#[derive(Default)]
struct ZipNames {
    word: bool,
    xl: bool,
    ofd: bool,
    macros: bool,
}

/// What the bytes of a would-be text said.
#[derive(Default)]
struct TextCheck {
    /// A byte no text has (NUL, a control character) or invalid UTF-8.
    binary: bool,
    /// A tag of markup (HTML, SVG, XML).
    markup: bool,
    /// The first character that is not white space, once seen.
    first: Option<u8>,
    /// The bytes of an incomplete UTF-8 sequence at the end of the last chunk.
    pending: Vec<u8>,
}

/// How many bytes of the previous chunk are kept to find a pattern across a boundary (a ZIP
/// entry header with its name, a markup tag).
const OVERLAP: usize = 320;

/// Tags that make a text markup, lowercase.
const MARKUP: &[&[u8]] = &[
    b"<html",
    b"<!doctype",
    b"<?xml",
    b"<svg",
    b"<script",
    b"<body",
    b"<iframe",
    b"<object",
    b"<embed",
];

impl Inspector {
    /// An inspector that refuses a file of more than `max` bytes.
    pub fn new(max: u64) -> Self {
        Self {
            hasher: Sha256::new(),
            size: 0,
            max,
            head: Vec::new(),
            family: None,
            tail: Vec::new(),
            zip: ZipNames::default(),
            text: TextCheck::default(),
        }
    }

    /// Bytes so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The next bytes of the file. Refuses (`validation`) as soon as the file is larger than
    /// the limit.
    pub fn update(&mut self, chunk: &[u8]) -> Result<()> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            return Err(too_large(self.max));
        }
        self.hasher.update(chunk);
        if self.family.is_none() {
            self.head.extend_from_slice(&chunk[..chunk.len().min(16)]);
            if self.head.len() >= 8 {
                self.family = Some(family(&self.head));
            }
        }
        self.scan(chunk);
        Ok(())
    }

    /// Looks at `chunk` (after the tail of the one before) for what the family needs.
    fn scan(&mut self, chunk: &[u8]) {
        match self.family {
            Some(Family::Known(_)) => {}
            Some(Family::Zip) => {
                let mut window = std::mem::take(&mut self.tail);
                window.extend_from_slice(chunk);
                zip_names(&window, &mut self.zip);
                self.tail = keep_tail(window);
            }
            // Text (or not yet known, read as text until it is).
            _ => {
                self.text_bytes(chunk);
                let mut window = std::mem::take(&mut self.tail);
                window.extend_from_slice(chunk);
                if !self.text.markup {
                    let lower = window.to_ascii_lowercase();
                    self.text.markup = MARKUP
                        .iter()
                        .any(|tag| lower.windows(tag.len()).any(|w| w == *tag));
                }
                self.tail = keep_tail(window);
            }
        }
    }

    /// Checks a chunk of would-be text: UTF-8 (across chunk ends), no NUL or control character
    /// but tab, line feed, form feed and carriage return, and the first visible character.
    fn text_bytes(&mut self, chunk: &[u8]) {
        let t = &mut self.text;
        if t.binary {
            return;
        }
        if chunk
            .iter()
            .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c) || b == 0x7f)
        {
            t.binary = true;
            return;
        }
        if t.first.is_none() {
            let start = if self.size == chunk.len() as u64 && chunk.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            t.first = chunk[start..]
                .iter()
                .copied()
                .find(|b| !b.is_ascii_whitespace());
        }
        let mut bytes = std::mem::take(&mut t.pending);
        bytes.extend_from_slice(chunk);
        match std::str::from_utf8(&bytes) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
                t.pending = bytes[e.valid_up_to()..].to_vec();
            }
            Err(_) => t.binary = true,
        }
    }

    /// What the file is, once every byte was given.
    pub fn finish(mut self) -> Result<FileMeta> {
        if self.size == 0 {
            return Err(DomainError::from(Refusal::field(
                "file",
                "is empty",
                "是空文件",
            )));
        }
        let family = match self.family {
            Some(f) => f,
            None => family(&self.head),
        };
        let content_type = match family {
            Family::Known(t) => t,
            Family::Zip if self.zip.macros => {
                return Err(refuse(
                    "is a document with macros (a program inside): save it as a DOCX or XLSX without macros, or as PDF",
                    "是含宏（内含程序）的文档：请另存为不含宏的 DOCX、XLSX 或 PDF",
                ))
            }
            Family::Zip if self.zip.ofd => ContentType::Ofd,
            Family::Zip if self.zip.word => ContentType::Docx,
            Family::Zip if self.zip.xl => ContentType::Xlsx,
            Family::Zip => {
                return Err(refuse(
                    "is a ZIP archive, not a DOCX, XLSX or OFD document: attach the documents in it one by one",
                    "是 ZIP 压缩包，不是 DOCX、XLSX 或 OFD 文档：请把其中的文件逐个附上",
                ))
            }
            Family::Text => {
                if !self.text.pending.is_empty() {
                    self.text.binary = true;
                }
                if self.head.starts_with(b"MZ") || self.head.starts_with(b"\x7fELF") {
                    return Err(refuse(
                        "is a program, which the case file never takes",
                        "是可执行程序，卷宗不收存程序",
                    ));
                }
                if self.text.binary {
                    return Err(refuse(
                        "is not a type the case file takes: PDF, OFD, JPEG, PNG, TIFF, DOCX, XLSX or plain UTF-8 text",
                        "不是卷宗收存的文件类型：PDF、OFD、JPEG、PNG、TIFF、DOCX、XLSX 或 UTF-8 纯文本",
                    ));
                }
                if self.text.markup || self.text.first == Some(b'<') {
                    return Err(refuse(
                        "is a web page or markup (HTML, SVG, XML), which the case file does not take: print it to PDF",
                        "是网页或标记文件（HTML、SVG、XML），卷宗不收存：请打印为 PDF 后附上",
                    ));
                }
                ContentType::Text
            }
        };
        Ok(FileMeta {
            sha256: crate::audit::hex(&self.hasher.finalize()),
            size: self.size,
            content_type,
        })
    }
}

/// The refusal of a file larger than `max` bytes.
pub fn too_large(max: u64) -> DomainError {
    let mib = max / MIB;
    DomainError::from(Refusal::field(
        "file",
        &format!("is larger than the {mib} MiB a file may be (policy attachment_max_mib)"),
        &format!("超过单个文件 {mib} MiB 的上限（参数 attachment_max_mib）"),
    ))
}

fn refuse(en: &str, zh: &str) -> DomainError {
    DomainError::from(Refusal::field("file", en, zh))
}

/// The family a file's first bytes (at least 8, or all there are) say it is of.
fn family(head: &[u8]) -> Family {
    if head.starts_with(b"%PDF-") {
        Family::Known(ContentType::Pdf)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Family::Known(ContentType::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Family::Known(ContentType::Png)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Family::Known(ContentType::Tiff)
    } else if head.starts_with(b"PK\x03\x04") {
        Family::Zip
    } else {
        Family::Text
    }
}

/// The last [`OVERLAP`] bytes of `window`.
fn keep_tail(mut window: Vec<u8>) -> Vec<u8> {
    let cut = window.len().saturating_sub(OVERLAP);
    window.drain(..cut);
    window
}

/// Notes the names of the ZIP entries whose headers (local, `PK\3\4`, or central, `PK\1\2`)
/// lie whole in `window`.
fn zip_names(window: &[u8], z: &mut ZipNames) {
    let mut i = 0;
    while i + 4 <= window.len() {
        let (name_len_at, name_at) = match &window[i..i + 4] {
            b"PK\x03\x04" => (i + 26, i + 30),
            b"PK\x01\x02" => (i + 28, i + 46),
            _ => {
                i += 1;
                continue;
            }
        };
        if name_len_at + 2 > window.len() {
            break;
        }
        let len = u16::from_le_bytes([window[name_len_at], window[name_len_at + 1]]) as usize;
        if let Some(name) = window.get(name_at..name_at + len) {
            z.word |= name.starts_with(b"word/");
            z.xl |= name.starts_with(b"xl/");
            z.ofd |= name == b"OFD.xml";
            z.macros |= name.ends_with(b"vbaProject.bin");
        }
        i += 4;
    }
}

/// Inspects a whole reader: what [`Inspector`] says of it, reading [`CHUNK`] bytes at a time.
pub fn inspect(r: &mut dyn std::io::Read, max: u64) -> Result<FileMeta> {
    let mut ins = Inspector::new(max);
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = read_full(r, &mut buf)?;
        if n == 0 {
            break;
        }
        ins.update(&buf[..n])?;
    }
    ins.finish()
}

/// Reads until `buf` is full or the reader ends; the bytes read.
pub(crate) fn read_full(r: &mut dyn std::io::Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(DomainError::from(crate::error::StorageError::io(
                    "reading the file to attach",
                    e,
                )))
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests;
