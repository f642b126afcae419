//! One import, end to end: open the file, apply a preset, resolve the mapping, then stream rows
//! through conversion into the store while rejected rows go to the rejects file.
//!
//! Reading and converting run on a blocking thread that hands batches to the async side over a
//! small bounded channel, so parsing overlaps with database writes and memory stays flat. The
//! whole import is one store transaction ([`throughline_store::ImportSession`]): an error, or a
//! killed process, leaves nothing stored. The command line and the web server both call
//! [`PreparedImport`], so an import behaves the same wherever it starts.

use std::path::{Path, PathBuf};

use throughline_domain::feedback::NewFeedback;
use throughline_domain::org::Organisation;
use throughline_domain::{Name, Timestamp};
use throughline_store::{
    INSERT_BATCH, ImportRecord, ImportStart, ImportTotals, KeyedFeedback, Store, StoreError,
};

use crate::convert::{Converter, Placement, Rejection};
use crate::dates::DateRules;
use crate::fields::{Field, Mapping, MappingError};
use crate::file_checks::{ColumnWatch, WATCH_ROWS, date_rules};
use crate::formats::{Format, RawRow, ReadError, Reader, Unread};
use crate::presets::{Preset, PresetError, ValueMap};
use crate::rejects::{REASON_COLUMN, RejectsWriter, default_path, is_rejects_file};

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    pub path: PathBuf,
    /// Inferred from the file's extension when `None`.
    pub format: Option<Format>,
    pub preset: Option<Preset>,
    /// `--map FIELD=COLUMN` choices; they win over the preset and the automatic mapping.
    pub overrides: Vec<(Field, String)>,
    /// The feed's name; re-imports are recognised within one source. Defaults to the file's
    /// name without its extension.
    pub source: Option<Name>,
    /// Where rejected rows go; defaults to `NAME.rejects.csv` beside the input.
    pub rejects: Option<PathBuf>,
    /// A strftime-style format for the date column (`--date-format`).
    pub date_format: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot tell the format of {0} from its extension; give --format csv, jsonl or xlsx")]
    UnknownFormat(String),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Preset(#[from] PresetError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the rejects file {path}: {reason}")]
    Rejects { path: String, reason: String },
    #[error("the dates of column {column:?} cannot be read: {reason}")]
    Dates { column: String, reason: String },
    #[error(
        "column {column:?} could not be read in {rejected} of the first {rows} rows, for \
         example {examples} ({reason}). Stopped before anything was stored or written. {fix}"
    )]
    ColumnUnreadable {
        column: String,
        rejected: u64,
        rows: u64,
        /// Up to three of the column's values, quoted.
        examples: String,
        /// Why the first of them was rejected.
        reason: String,
        /// What to do about it.
        fix: String,
    },
}

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub rows_read: u64,
    /// Done and total, in bytes of the file or rows of a sheet.
    pub done: u64,
    pub total: u64,
}

/// The outcome of an import.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub import: ImportRecord,
    pub mapping: Mapping,
    /// The first rejections (up to [`REJECTIONS_SHOWN`]), to show beside the summary; all of
    /// them are in the rejects file.
    pub first_rejections: Vec<Rejection>,
    /// What the import decided on its own that the user should know (how dates are read).
    pub notes: Vec<String>,
}

pub const REJECTIONS_SHOWN: usize = 10;

/// An import whose file is open and whose mapping is resolved, ready to run.
#[derive(Debug)]
pub struct PreparedImport {
    reader: Reader,
    leftover: Vec<RawRow>,
    converter: Converter,
    format: Format,
    file_name: String,
    rejects: RejectsWriter,
    notes: Vec<String>,
}

impl PreparedImport {
    /// Opens the file, applies the preset and resolves the mapping against `store`'s
    /// organisation (for stage and touchpoint names). Nothing is written yet.
    pub async fn new(store: &Store, request: ImportRequest) -> Result<Self, ImportError> {
        let organisation = store.load_organisation().await?;
        let (path, format, preset, overrides, date_format) = (
            request.path.clone(),
            request.format,
            request.preset,
            request.overrides,
            request.date_format,
        );
        // Opening a workbook or sniffing a CSV reads the disk: keep it off the runtime.
        let opened = tokio::task::spawn_blocking(move || {
            OpenedFile::open(&path, format, preset, overrides, date_format)
        })
        .await
        .expect("opening an import file does not panic")?;
        let source = request
            .source
            .unwrap_or_else(|| default_source(&request.path));
        let rejects_path = request
            .rejects
            .unwrap_or_else(|| default_path(&request.path, opened.format));
        let rejects = RejectsWriter::new(rejects_path, opened.format, opened.reader.columns());
        let mut converter = opened.converter(source, organisation.as_ref());
        converter.erased = erased_customers(store, &opened.mapping).await?;
        Ok(Self {
            reader: opened.reader,
            leftover: opened.leftover,
            converter,
            format: opened.format,
            file_name: request.path.display().to_string(),
            rejects,
            notes: opened.notes,
        })
    }

    /// What the import decided on its own that the user should know (how dates are read).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn mapping(&self) -> &Mapping {
        &self.converter.mapping
    }

    pub fn source(&self) -> &Name {
        &self.converter.source
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Reads every row, stores the good ones in one transaction and writes the rejected ones
    /// to the rejects file. `progress` is called after each stored batch.
    #[tracing::instrument(skip_all, fields(file = %self.file_name, source = %self.converter.source))]
    pub async fn run(
        self,
        store: &Store,
        progress: impl Fn(Progress),
    ) -> Result<ImportReport, ImportError> {
        let Self {
            reader,
            leftover,
            converter,
            format,
            file_name,
            rejects,
            notes,
        } = self;
        let mapping = converter.mapping.clone();
        let mut session = store
            .begin_import(ImportStart {
                source: converter.source.clone(),
                file_name,
                format: format.name().to_owned(),
                mapping: mapping.to_string(),
                started_at: converter.now,
            })
            .await?;

        let (sender, mut batches) = tokio::sync::mpsc::channel::<Batch>(4);
        let rejects_path = rejects.path().to_owned();
        let reading = tokio::task::spawn_blocking(move || {
            read_all(reader, leftover, &converter, rejects, &sender)
        });

        let mut imported = 0;
        let mut stored = Ok(());
        while let Some(batch) = batches.recv().await {
            match session.insert(&batch.records).await {
                Ok(new) => imported += new,
                Err(err) => {
                    // Dropping the receiver stops the reader at its next batch.
                    stored = Err(err);
                    break;
                }
            }
            tracing::debug!(
                rows_read = batch.progress.rows_read,
                imported,
                "batch stored"
            );
            progress(batch.progress);
        }
        drop(batches);
        let read = reading.await.expect("the reading thread does not panic");
        let outcome = match (stored, read) {
            (Err(err), _) => Err(err.into()),
            (Ok(()), Err(err)) => Err(err),
            (Ok(()), Ok(outcome)) => Ok(outcome),
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(err) => {
                // The transaction rolls back when the session drops; a rejects file that
                // describes an import that did not happen would only mislead.
                drop(session);
                let _ = std::fs::remove_file(&rejects_path);
                return Err(err);
            }
        };
        let accepted = outcome.rows_read - outcome.rejected;
        let totals = ImportTotals {
            rows_read: outcome.rows_read,
            imported,
            duplicates: accepted - imported,
            rejected: outcome.rejected,
            rejects_path: outcome.rejects_path.map(|p| p.display().to_string()),
        };
        let import = session.finish(totals).await?;
        store
            .after_bulk_write(&[(throughline_store::BulkTable::Feedback, imported)])
            .await;
        Ok(ImportReport {
            import,
            mapping,
            first_rejections: outcome.first_rejections,
            notes,
        })
    }
}

/// A file opened for reading, its preset applied and its mapping resolved: the common start of
/// an import and of a one-shot analysis.
#[derive(Debug)]
struct OpenedFile {
    reader: Reader,
    format: Format,
    mapping: Mapping,
    values: Vec<ValueMap>,
    /// Rows the preset read ahead that are responses.
    leftover: Vec<RawRow>,
    dates: DateRules,
    /// Columns dropped from the records: a rejects file's `reason`.
    dropped: Vec<String>,
    /// A rejects file: formulas' guarding apostrophes come off.
    unguard: bool,
    notes: Vec<String>,
}

impl OpenedFile {
    fn open(
        path: &Path,
        format: Option<Format>,
        preset: Option<Preset>,
        overrides: Vec<(Field, String)>,
        date_format: Option<String>,
    ) -> Result<Self, ImportError> {
        let format = match format {
            Some(format) => format,
            None => Format::from_path(path)
                .ok_or_else(|| ImportError::UnknownFormat(path.display().to_string()))?,
        };
        let mut reader = Reader::open(path, format)?;
        let plan = match preset {
            Some(preset) => preset.prepare(&mut reader)?,
            None => Default::default(),
        };
        // The user's `--map` choices win over the preset's.
        let mut all = plan.overrides;
        for (field, column) in overrides {
            all.retain(|(f, c)| *f != field && !same_column(c, &column));
            all.push((field, column));
        }
        let mapping = Mapping::resolve(reader.columns(), &all)?;
        let mut notes = Vec::new();
        let dates = date_rules(path, format, &mapping, date_format, &mut notes)?;
        // A rejects file, fixed and imported again, is read as the file it came from: its
        // `reason` column is no data.
        let unguard = is_rejects_file(path);
        let dropped = if unguard {
            vec![REASON_COLUMN.to_owned()]
        } else {
            Vec::new()
        };
        Ok(Self {
            reader,
            format,
            mapping,
            values: plan.values,
            leftover: plan.leftover,
            dates,
            dropped,
            unguard,
            notes,
        })
    }

    fn converter(&self, source: Name, organisation: Option<&Organisation>) -> Converter {
        Converter {
            mapping: self.mapping.clone(),
            source,
            placement: organisation
                .map(Placement::from_organisation)
                .unwrap_or_default(),
            now: Timestamp::now(),
            values: self.values.clone(),
            dates: self.dates.clone(),
            dropped: self.dropped.clone(),
            unguard: self.unguard,
            erased: Default::default(),
        }
    }
}

/// A file read into records without storing them (for one-shot analysis).
#[derive(Debug)]
pub struct ReadFile<T> {
    /// What the caller keeps of each good record, in the file's order.
    pub records: Vec<T>,
    pub mapping: Mapping,
    pub rows_read: u64,
    pub rejected: u64,
    pub first_rejections: Vec<Rejection>,
    /// What the reading decided on its own that the user should know (how dates are read).
    pub notes: Vec<String>,
}

/// Reads and checks every row of a file as an import would, keeping in memory what `keep`
/// makes of each good record (given the line it starts on) and counting the rejected ones.
/// Personal data is redacted as on import.
pub fn read_file<T: Send>(
    path: &Path,
    format: Option<Format>,
    preset: Option<Preset>,
    overrides: Vec<(Field, String)>,
    date_format: Option<String>,
    organisation: Option<&Organisation>,
    keep: impl Fn(u64, NewFeedback) -> T + Sync,
) -> Result<ReadFile<T>, ImportError> {
    let opened = OpenedFile::open(path, format, preset, overrides, date_format)?;
    let converter = opened.converter(default_source(path), organisation);
    let mut out = ReadFile {
        records: Vec::new(),
        mapping: opened.mapping,
        rows_read: 0,
        rejected: 0,
        first_rejections: Vec::new(),
        notes: opened.notes,
    };
    let OpenedFile {
        leftover, reader, ..
    } = opened;
    let mut watch = ColumnWatch::default();
    // Reading rows is sequential; checking and redacting them is most of the work and runs in
    // parallel, a chunk at a time, while the next chunk is read. Order is kept.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Unread>>(2);
    let progress = std::sync::Mutex::new((0u64, 0u64));
    let decoder = reader.decoder();
    std::thread::scope(|scope| {
        let progress = &progress;
        let reading = scope.spawn(move || -> Result<(), ImportError> {
            let mut chunk: Vec<Unread> = leftover.into_iter().map(Unread::Row).collect();
            let mut reader = reader;
            // Not a `for` loop: the reader is asked for its progress along the way.
            while let Some(row) = reader.next_unread() {
                chunk.push(row?);
                if chunk.len() == CONVERT_CHUNK {
                    if let Ok(mut p) = progress.lock() {
                        *p = reader.progress();
                    }
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CONVERT_CHUNK));
                    if sender.send(full).is_err() {
                        // The converting side stopped at a row it could not decode.
                        return Ok(());
                    }
                }
            }
            let _ = sender.send(chunk);
            Ok(())
        });
        // A row that cannot be decoded, or a column that fails on most of the first rows.
        let mut undecodable: Option<ImportError> = None;
        for chunk in receiver.iter() {
            use rayon::prelude::*;
            let converted: Vec<_> = chunk
                .into_par_iter()
                .map(|unread| {
                    let row = decoder.row(unread)?;
                    Ok::<_, ReadError>(match converter.convert(&row) {
                        Ok(record) => Ok(keep(row.line, record)),
                        Err(rejection) => {
                            // The rejected value, for the message of a column that fails.
                            let value = rejection
                                .column
                                .as_deref()
                                .and_then(|c| row.get(c))
                                .map(str::to_owned);
                            Err((rejection, value))
                        }
                    })
                })
                .collect();
            if out.records.is_empty() {
                // Room for the whole file, estimated from the first chunk, rather than
                // doubling a million-record vector again and again.
                let (done, total) = progress.lock().map_or((0, 0), |p| *p);
                if done > 0 && total > done {
                    let rows = total as f64 / done as f64 * converted.len() as f64;
                    out.records.reserve((rows * 1.05) as usize);
                }
            }
            for result in converted {
                match result {
                    Err(err) => {
                        undecodable = Some(ImportError::from(err));
                        break;
                    }
                    Ok(Ok(kept)) => {
                        if let Err(err) = watch.see(None, &out.mapping) {
                            undecodable = Some(err);
                            break;
                        }
                        out.records.push(kept);
                    }
                    Ok(Err((rejection, value))) => {
                        if let Err(err) =
                            watch.see(Some((&rejection, value.as_deref())), &out.mapping)
                        {
                            undecodable = Some(err);
                            break;
                        }
                        out.rejected += 1;
                        if out.first_rejections.len() < REJECTIONS_SHOWN {
                            out.first_rejections.push(rejection);
                        }
                    }
                }
                out.rows_read += 1;
            }
            if undecodable.is_some() {
                break;
            }
        }
        if undecodable.is_none() && watch.rows < WATCH_ROWS {
            // A file shorter than the watch: judged on all its rows.
            undecodable = watch.verdict(&out.mapping).err();
        }
        drop(receiver);
        let read = reading.join().expect("the reading thread does not panic");
        match undecodable {
            Some(err) => Err(err),
            None => read,
        }
    })?;
    Ok(out)
}

/// Rows checked together in parallel by [`read_file`].
const CONVERT_CHUNK: usize = 8192;

/// Imports one file: [`PreparedImport::new`] then [`PreparedImport::run`].
/// The customers erased on request, when the rows carry a customer id to check (no query for
/// a file or an API call without one: every API call is an import).
pub(crate) async fn erased_customers(
    store: &Store,
    mapping: &Mapping,
) -> Result<std::sync::Arc<std::collections::HashSet<String>>, throughline_store::StoreError> {
    Ok(std::sync::Arc::new(
        if mapping.column(Field::Customer).is_some() {
            store.erased_customers().await?
        } else {
            Default::default()
        },
    ))
}

pub async fn import_file(
    store: &Store,
    request: ImportRequest,
    progress: impl Fn(Progress),
) -> Result<ImportReport, ImportError> {
    PreparedImport::new(store, request)
        .await?
        .run(store, progress)
        .await
}

#[derive(Debug)]
struct Batch {
    records: Vec<KeyedFeedback>,
    progress: Progress,
}

#[derive(Debug)]
struct ReadOutcome {
    first_rejections: Vec<Rejection>,
    rows_read: u64,
    rejected: u64,
    rejects_path: Option<PathBuf>,
}

/// The blocking half: rows → records in batches, rejections → the rejects file.
fn read_all(
    mut reader: Reader,
    leftover: Vec<RawRow>,
    converter: &Converter,
    mut rejects: RejectsWriter,
    out: &tokio::sync::mpsc::Sender<Batch>,
) -> Result<ReadOutcome, ImportError> {
    let rejects_error = |path: &Path, err: std::io::Error| ImportError::Rejects {
        path: path.display().to_string(),
        reason: err.to_string(),
    };
    let mut rows_read = 0;
    let mut first_rejections = Vec::new();
    let mut records = Vec::with_capacity(INSERT_BATCH);
    let mut pending = leftover.into_iter();
    let mut watch = ColumnWatch::default();
    loop {
        let row = match pending.next() {
            Some(row) => row,
            None => match reader.next() {
                Some(row) => row?,
                None => break,
            },
        };
        rows_read += 1;
        match converter.convert_keyed(&row) {
            Ok(record) => {
                watch.see(None, &converter.mapping)?;
                records.push(record);
            }
            Err(rejection) => {
                let value = rejection.column.as_deref().and_then(|c| row.get(c));
                watch.see(Some((&rejection, value)), &converter.mapping)?;
                rejects
                    .write(&row, &rejection)
                    .map_err(|e| rejects_error(rejects.path(), e))?;
                if first_rejections.len() < REJECTIONS_SHOWN {
                    first_rejections.push(rejection);
                }
            }
        }
        if records.len() == INSERT_BATCH {
            let (done, total) = reader.progress();
            let batch = Batch {
                records: std::mem::replace(&mut records, Vec::with_capacity(INSERT_BATCH)),
                progress: Progress {
                    rows_read,
                    done,
                    total,
                },
            };
            if out.blocking_send(batch).is_err() {
                // The storing side stopped (and will report why).
                break;
            }
        }
    }
    if watch.rows < WATCH_ROWS {
        // A file shorter than the watch: judged on all its rows.
        watch.verdict(&converter.mapping)?;
    }
    let (_, total) = reader.progress();
    let last = Batch {
        records,
        progress: Progress {
            rows_read,
            done: total,
            total,
        },
    };
    let _ = out.blocking_send(last);
    let rejected = rejects.count();
    let path = rejects.path().to_owned();
    let rejects_path = rejects.finish().map_err(|e| rejects_error(&path, e))?;
    Ok(ReadOutcome {
        first_rejections,
        rows_read,
        rejected,
        rejects_path,
    })
}

fn same_column(a: &str, b: &str) -> bool {
    a == b || crate::fields::normalise(a) == crate::fields::normalise(b)
}

/// `exports/nps-2026.csv` → `nps-2026`; a rejects file, `nps-2026.rejects.csv`, → `nps-2026`
/// too: its fixed rows belong to the feed they were rejected from, where rows already stored
/// are recognised as duplicates.
fn default_source(path: &Path) -> Name {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(|s| s.strip_suffix(".rejects").unwrap_or(s))
        .and_then(|s| Name::parse(s).ok())
        .unwrap_or_else(|| Name::parse("import").expect("a valid name"))
}
