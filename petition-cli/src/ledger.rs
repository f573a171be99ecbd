//! The ledger (台账) written out: an Excel workbook (rust_xlsxwriter in constant-memory mode:
//! each row goes to a temporary file as it is written, so memory stays flat at any size) or an
//! Excel-safe CSV file with the same columns.

use std::io::Write;

use chrono::{Datelike, NaiveDate, Timelike};
use petition_core::interchange::{flag_word, ledger_headers, Cell, LedgerSink};
use petition_core::{DomainError, Lang, StorageError};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// The library's result.
type Result<T> = std::result::Result<T, DomainError>;

use crate::app::{CliError, CliResult};

fn xlsx_error(e: XlsxError) -> CliError {
    crate::app::io_error("writing the workbook", std::io::Error::other(e.to_string()))
}

/// A workbook being written, one row at a time.
pub struct XlsxLedger {
    book: Workbook,
    row: u32,
    lang: Lang,
    text: Format,
    date: Format,
    time: Format,
}

/// Column widths (in characters) by header position: wide for text, narrow for flags.
fn width(key: &str) -> f64 {
    match key {
        "summary" | "addresses" => 40.0,
        "id_numbers" | "petitioners" | "phones" => 22.0,
        "registered_at" | "received_at" => 20.0,
        "collective" | "skip_level" | "overdue" | "headcount" | "extension_days" => 9.0,
        _ => 14.0,
    }
}

impl XlsxLedger {
    /// A workbook with the header row (bold, frozen) in `lang`.
    pub fn new(lang: Lang) -> CliResult<Self> {
        let mut book = Workbook::new();
        let header = Format::new().set_bold();
        let sheet = book
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet
            .set_name(match lang {
                Lang::En => "Ledger",
                Lang::Zh => "信访台账",
            })
            .map_err(xlsx_error)?;
        for (i, (key, _, _)) in petition_core::interchange::LEDGER_COLUMNS
            .iter()
            .enumerate()
        {
            sheet
                .set_column_width(col(i), width(key))
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        for (i, h) in ledger_headers(lang).into_iter().enumerate() {
            sheet
                .write_string_with_format(0, col(i), h, &header)
                .map_err(xlsx_error)?;
        }
        Ok(Self {
            book,
            row: 0,
            lang,
            // "@": the cell is text (an id number is never turned into a number).
            text: Format::new().set_num_format("@"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        })
    }

    /// Writes one row.
    pub fn push(&mut self, cells: Vec<Cell>) -> CliResult<()> {
        self.row += 1;
        let r = self.row;
        let sheet = self.book.worksheet_from_index(0).map_err(xlsx_error)?;
        for (i, cell) in cells.into_iter().enumerate() {
            let c = col(i);
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ()),
                Cell::Digits(s) => sheet
                    .write_string_with_format(r, c, s, &self.text)
                    .map(|_| ()),
                Cell::Date(d) => sheet
                    .write_date_with_format(r, c, excel_date(d)?, &self.date)
                    .map(|_| ()),
                Cell::Time(t) => {
                    let d = excel_date(t.date_naive())?
                        .and_hms(t.hour() as u16, t.minute() as u8, f64::from(t.second()))
                        .map_err(xlsx_error)?;
                    sheet
                        .write_datetime_with_format(r, c, d, &self.time)
                        .map(|_| ())
                }
                Cell::Number(n) => sheet.write_number(r, c, n as f64).map(|_| ()),
                Cell::Flag(b) => sheet
                    .write_string(r, c, flag_word(b, self.lang))
                    .map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(xlsx_error)?;
        }
        Ok(())
    }

    /// Adds the autofilter over every written row and saves the workbook to `out`.
    pub fn finish<W: Write + std::io::Seek + Send>(mut self, out: W) -> CliResult<()> {
        let last = col(ledger_headers(self.lang).len().saturating_sub(1));
        let rows = self.row;
        let sheet = self.book.worksheet_from_index(0).map_err(xlsx_error)?;
        sheet
            .autofilter(0, 0, rows.max(1), last)
            .map_err(xlsx_error)?;
        self.book.save_to_writer(out).map_err(xlsx_error)
    }
}

/// A column number (the ledger has a few dozen columns).
fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

fn excel_date(d: NaiveDate) -> CliResult<ExcelDateTime> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        d.month() as u8,
        d.day() as u8,
    )
    .map_err(xlsx_error)
}

/// A CSV cell of the ledger: what the workbook shows, as text a spreadsheet opens safely. Times
/// to the second; id numbers and phones keep every digit (a leading tab makes a spreadsheet read
/// them as text, not as a number that loses its last digits); a cell that could run as a
/// formula is escaped.
pub fn csv_text(cell: Cell, lang: Lang) -> String {
    match cell {
        Cell::Text(s) => petition_core::interchange::csv_cell(s),
        Cell::Digits(s) if s.chars().all(|c| c.is_ascii_digit() || "Xx*; ".contains(c)) => {
            format!("\t{s}")
        }
        Cell::Digits(s) => petition_core::interchange::csv_cell(s),
        Cell::Date(d) => d.to_string(),
        Cell::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Number(n) => n.to_string(),
        Cell::Flag(b) => flag_word(b, lang).to_string(),
        Cell::Empty => String::new(),
    }
}

/// The ledger as CSV: the header (UTF-8 with a BOM, so a spreadsheet reads Chinese) when the
/// ledger begins, then each row.
pub struct CsvSink<'a> {
    out: Option<&'a mut dyn Write>,
    csv: Option<csv::Writer<&'a mut dyn Write>>,
    lang: Lang,
    failed: Option<CliError>,
}

impl<'a> CsvSink<'a> {
    /// A sink writing to `out`.
    pub fn new(out: &'a mut dyn Write, lang: Lang) -> Self {
        Self {
            out: Some(out),
            csv: None,
            lang,
            failed: None,
        }
    }

    /// The ledger's outcome with what this sink met on its way (a write that failed).
    pub fn finish(self, n: Result<u64>) -> CliResult<u64> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let n = n?;
        if let Some(mut w) = self.csv {
            w.flush().map_err(io)?;
        }
        Ok(n)
    }

    fn keep(&mut self, e: CliError) -> DomainError {
        self.failed = Some(e);
        DomainError::from(StorageError::io(
            "writing the export",
            std::io::Error::other("see the first error"),
        ))
    }
}

fn io(e: std::io::Error) -> CliError {
    crate::app::io_error("writing the export", e)
}

impl LedgerSink for CsvSink<'_> {
    fn begin(&mut self) -> Result<()> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        if let Err(e) = out.write_all(b"\xEF\xBB\xBF") {
            return Err(self.keep(io(e)));
        }
        let mut w = csv::Writer::from_writer(out);
        if let Err(e) = w.write_record(ledger_headers(self.lang)) {
            return Err(self.keep(io(e.into())));
        }
        self.csv = Some(w);
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> Result<()> {
        let lang = self.lang;
        let Some(w) = self.csv.as_mut() else {
            return Ok(());
        };
        match w.write_record(cells.into_iter().map(|c| csv_text(c, lang))) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.keep(io(e.into()))),
        }
    }
}

/// The ledger as a workbook (see [`XlsxLedger`]).
pub struct XlsxSink {
    book: XlsxLedger,
    failed: Option<CliError>,
}

impl XlsxSink {
    /// A sink with a new workbook in `lang`.
    pub fn new(lang: Lang) -> CliResult<Self> {
        Ok(Self {
            book: XlsxLedger::new(lang)?,
            failed: None,
        })
    }

    /// The workbook, once the ledger went well.
    pub fn finish(self, n: Result<u64>) -> CliResult<(XlsxLedger, u64)> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        Ok((self.book, n?))
    }
}

impl LedgerSink for XlsxSink {
    fn begin(&mut self) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> Result<()> {
        match self.book.push(cells) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.failed = Some(e);
                Err(DomainError::from(StorageError::io(
                    "writing the workbook",
                    std::io::Error::other("see the first error"),
                )))
            }
        }
    }
}
