//! Values and equations a model file reads from other files: `{ file =
//! "x.npy" }` / `{ file = "x.npz", array = "a" }` arrays (checked against
//! what the place of the value accepts before their data is read) and
//! `model = { file = "neuron.eqs" }` equations, paths relative to the model
//! file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::keys::FILE_KEYS;
use super::loader::Loader;
use super::spec::*;
use super::tree::*;
use crate::diag::{Diagnostic, FileOrigin};

/// What a `{ file = ... }` value may hold where it is given.
pub(super) struct Want {
    /// What is expected, for messages ("a 1-d array of numbers").
    pub(super) expected: &'static str,
    /// The numbers of dimensions accepted.
    pub(super) ndims: &'static [usize],
    /// Floating-point arrays accepted (else integers only).
    pub(super) floats: bool,
    /// Boolean arrays accepted (as 1 and 0).
    pub(super) bools: bool,
    /// Whether the table may say `unit`.
    pub(super) unit: bool,
}

/// A value of `init` or of a protocol `set` step.
pub(super) const VALUES: Want = Want {
    expected: "a 1-d array of numbers (float, integer or bool), one per element",
    ndims: &[1],
    floats: true,
    bools: true,
    unit: true,
};
/// A spike generator's `times`.
pub(super) const TIMES: Want = Want {
    expected: "a 1-d array of times (float or integer)",
    ndims: &[1],
    floats: true,
    bools: false,
    unit: true,
};
/// A spike generator's `indices`, a connect's `i` and `j`.
pub(super) const INDICES: Want = Want {
    expected: "a 1-d array of integer indices",
    ndims: &[1],
    floats: false,
    bools: false,
    unit: false,
};
/// A timed array's `values` (in the timed array's own `unit`).
pub(super) const TIMED_VALUES: Want = Want {
    expected: "a 1-d array (values[t]) or a 2-d array (values[t, i]) of numbers (float or integer)",
    ndims: &[1, 2],
    floats: true,
    bools: false,
    unit: false,
};

impl Loader {
    /// A path of the model file, relative to the model file's directory.
    pub(super) fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    /// The array a `{ file = "x.npy" }` / `{ file = "x.npz", array = "a" }`
    /// table names, checked against `want` (its dtype and number of dimensions
    /// before its data is read), with its `unit` when `want` allows one.
    pub(super) fn data_file(
        &mut self,
        n: &Node,
        w: &str,
        want: &Want,
    ) -> Option<(crate::io::data_file::DataArray, DataFile, Option<Str>)> {
        use crate::io::data_file::{DataFileError, read_array_if};
        let allowed = if want.unit { FILE_KEYS } else { &FILE_KEYS[..2] };
        let es = self.table(n, w, allowed, &["file"])?;
        let file = self.opt_str(es, "file", w, "a path (relative to the model file)");
        let array = self.opt_str(es, "array", w, "the name of an array of the .npz archive");
        let unit = self.opt_str(es, "unit", w, "a unit such as \"mV\"");
        let file = file?;
        let shown = format!("'{}'", file.text);
        let expected = want.expected;
        let accept = |info: &crate::io::data_file::ArrayInfo| {
            if !want.ndims.contains(&info.shape.len()) {
                return Err(DataFileError {
                    code: "bad-shape",
                    message: format!("expected {expected}, {shown} holds {}", info.describe()),
                    help: None,
                });
            }
            let dtype_ok = info.dtype.is_integer()
                || (want.floats && info.dtype.is_float())
                || (want.bools && info.dtype == crate::io::data_file::Dtype::Bool);
            if !dtype_ok {
                return Err(DataFileError {
                    code: "bad-dtype",
                    message: format!("expected {expected}, {shown} holds {}", info.describe()),
                    help: (!want.floats)
                        .then(|| "save indices as integers, e.g. np.save(path, idx.astype(np.int64))".to_string()),
                });
            }
            Ok(())
        };
        match read_array_if(
            &self.resolve(&file.text),
            array.as_ref().map(|a| a.text.as_str()),
            accept,
        ) {
            Ok(data) => {
                let df = DataFile {
                    path: file.text.clone(),
                    array: array.map(|a| a.text),
                    span: file.inner_span(),
                    info: data.info.clone(),
                };
                Some((data, df, unit))
            }
            Err(e) => {
                // an archive without that array: the caret under the name asked for
                let at = match (&array, e.code) {
                    (Some(a), "unknown-array") => a.inner_span(),
                    _ => file.inner_span(),
                };
                // what `accept` says names the file itself
                let message = if e.message.starts_with("expected ") {
                    format!("{w}: {}", e.message)
                } else {
                    format!("{w}: {shown}: {}", e.message)
                };
                let mut d = Diagnostic::at(e.code, &self.file, at, message);
                if let Some(h) = e.help {
                    d = d.with_help(h);
                }
                self.errors.push(d);
                None
            }
        }
    }

    /// Numbers from a file (`init`, `set`, spike times).
    pub(super) fn data_values(&mut self, n: &Node, w: &str, want: &Want) -> Option<DataValues> {
        let (data, file, unit) = self.data_file(n, w, want)?;
        match data.into_f64() {
            Ok(values) => Some(DataValues { values, unit, file }),
            Err(e) => {
                self.err(e.code, file.span, format!("{w}: {}: {}", file.describe(), e.message));
                None
            }
        }
    }

    /// Integer indices from a file (spike generator `indices`, connect `i`/`j`).
    pub(super) fn data_indices(&mut self, n: &Node, w: &str) -> Option<(Vec<i64>, DataFile)> {
        let (data, file, _) = self.data_file(n, w, &INDICES)?;
        // the header check let only integer arrays through
        data.into_i64().map(|v| (v, file))
    }

    /// A string of code, or `{ file = "neuron.eqs" }`: the text of that file,
    /// whose errors point into it (`--> neuron.eqs:3:14`).
    pub(super) fn code(&mut self, es: &[Entry], key: &str, w: &str) -> Option<Str> {
        let e = get(es, key)?;
        if !matches!(e.node.v, V::Table(_)) {
            return self.opt_str(es, key, w, "a string");
        }
        let kw = dotted(w, key);
        let tes = self.table(&e.node, &kw, &["file"], &["file"])?;
        let file = self.opt_str(tes, "file", &kw, "a path (relative to the model file)")?;
        let (text, origin) = self.read_text(&file, &kw)?;
        Some(Str {
            text,
            span: e.node.span,
            origin,
        })
    }

    /// The text of the file a `file = "..."` string names (relative to the model
    /// file), with the origin that makes errors point into it; an error at the
    /// string when it cannot be read or is not UTF-8 (`kw`: where, for messages).
    pub(super) fn read_text(&mut self, file: &Str, kw: &str) -> Option<(String, Arc<FileOrigin>)> {
        let path = self.resolve(&file.text);
        let read = match std::fs::metadata(&path) {
            Ok(m) if !m.is_file() => Err("not a regular file".to_string()),
            Ok(_) => std::fs::read(&path).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let text = read.and_then(|b| {
            String::from_utf8(b).map_err(|e| {
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                )
            })
        });
        let text = match text {
            Ok(t) => t,
            Err(why) => {
                self.err(
                    "io",
                    file.inner_span(),
                    format!("{kw}: cannot read '{}': {why}", file.text),
                );
                return None;
            }
        };
        let origin = Arc::new(FileOrigin {
            path: path.display().to_string(),
            offsets: (0..=text.len()).collect(),
            file_text: Arc::new(text.clone()),
        });
        Some((text, origin))
    }
}
