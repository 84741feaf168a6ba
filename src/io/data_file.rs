//! Arrays from NumPy's files: an `.npy` file, or one array of an `.npz`
//! archive (`np.savez`, or `np.savez_compressed`), read with ndarray-npy's
//! element readers after the header has been checked, so that an array of the
//! wrong dtype or number of dimensions is refused before its data is read, and
//! a header that promises more data than the file holds is refused before
//! anything is allocated for it.
//!
//! Model files name such arrays as values (`values = { file = "rates.npy" }`);
//! from Rust, [`read_array`] gives the same arrays to pass as
//! [`Value::Array`](crate::sim::Value::Array), spike times or indices.
//!
//! ```no_run
//! use spikejit::io::data_file::read_array;
//! let rates = read_array("rates.npz".as_ref(), Some("rates"))?.into_f64()?;
//! # Ok::<(), spikejit::io::data_file::DataFileError>(())
//! ```

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ndarray_npy::ReadableElement;
use ndarray_npy::npy::header::Header;

/// The element types read: NumPy's fixed-size numbers and booleans, in either byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// `float64` (`<f8`, `>f8`).
    F64,
    /// `float32`, widened exactly to `f64`.
    F32,
    /// `int64`.
    I64,
    /// `int32`.
    I32,
    /// `int16`.
    I16,
    /// `int8`.
    I8,
    /// `uint64` (values above `i64::MAX` are refused when read as integers).
    U64,
    /// `uint32`.
    U32,
    /// `uint16`.
    U16,
    /// `uint8`.
    U8,
    /// `bool`.
    Bool,
}

impl Dtype {
    /// NumPy's name of the dtype (`float64`, `int32`, `bool`).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F64 => "float64",
            Dtype::F32 => "float32",
            Dtype::I64 => "int64",
            Dtype::I32 => "int32",
            Dtype::I16 => "int16",
            Dtype::I8 => "int8",
            Dtype::U64 => "uint64",
            Dtype::U32 => "uint32",
            Dtype::U16 => "uint16",
            Dtype::U8 => "uint8",
            Dtype::Bool => "bool",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::I16 | Dtype::U16 => 2,
            Dtype::I8 | Dtype::U8 | Dtype::Bool => 1,
        }
    }

    /// A floating-point dtype.
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::F64 | Dtype::F32)
    }

    /// A signed or unsigned integer dtype.
    pub fn is_integer(self) -> bool {
        !self.is_float() && self != Dtype::Bool
    }

    /// The dtype of a header's type descriptor (`'<f8'`); `None` for one this module does not read.
    fn of_descriptor(descr: &str) -> Option<Dtype> {
        let (order, code) = descr.split_at(descr.len().min(1));
        if !matches!(order, "<" | ">" | "|" | "=") {
            return None;
        }
        Some(match code {
            "f8" => Dtype::F64,
            "f4" => Dtype::F32,
            "i8" => Dtype::I64,
            "i4" => Dtype::I32,
            "i2" => Dtype::I16,
            "i1" => Dtype::I8,
            "u8" => Dtype::U64,
            "u4" => Dtype::U32,
            "u2" => Dtype::U16,
            "u1" => Dtype::U8,
            "b1" => Dtype::Bool,
            _ => return None,
        })
    }
}

/// What a file's header says: the shape and the dtype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayInfo {
    /// The shape (empty for a 0-d array).
    pub shape: Vec<usize>,
    /// The element type.
    pub dtype: Dtype,
}

impl ArrayInfo {
    /// "a 2-d array of shape (10, 100) of float64", as messages describe what a file holds.
    pub fn describe(&self) -> String {
        let shape = match self.shape.as_slice() {
            [n] => format!("({n},)"),
            s => format!("({})", s.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
        };
        format!(
            "a {}-d array of shape {shape} of {}",
            self.shape.len(),
            self.dtype.name()
        )
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True for an array without elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The elements of an array, in row-major (C) order whatever the file's order.
#[derive(Clone, Debug)]
pub enum Elements {
    /// `float64`, or `float32` widened.
    Float(Vec<f64>),
    /// Any integer dtype (an `uint64` above `i64::MAX` is refused).
    Int(Vec<i64>),
    /// `bool`.
    Bool(Vec<bool>),
}

/// An array read from a file.
#[derive(Clone, Debug)]
pub struct DataArray {
    /// Its shape and dtype as the file gives them.
    pub info: ArrayInfo,
    /// Its elements, row-major.
    pub elements: Elements,
}

impl DataArray {
    /// The elements as numbers: floats as they are, integers and booleans
    /// (1 or 0) converted; an error for an integer that `f64` cannot hold exactly.
    pub fn into_f64(self) -> Result<Vec<f64>, DataFileError> {
        match self.elements {
            Elements::Float(v) => Ok(v),
            Elements::Bool(v) => Ok(v.into_iter().map(f64::from).collect()),
            Elements::Int(v) => {
                const EXACT: i64 = 1 << 53;
                if let Some((k, x)) = v.iter().enumerate().find(|(_, x)| x.unsigned_abs() > EXACT as u64) {
                    return Err(DataFileError::new(
                        "bad-value",
                        format!("entry {k} ({x}) is too large to be exact as a float64 value (the largest is 2**53)"),
                    ));
                }
                Ok(v.into_iter().map(|x| x as f64).collect())
            }
        }
    }

    /// The elements as integers; `None` unless the dtype is an integer one.
    pub fn into_i64(self) -> Option<Vec<i64>> {
        match self.elements {
            Elements::Int(v) => Some(v),
            _ => None,
        }
    }
}

/// Why an array could not be read: a diagnostic code and a sentence (the
/// caller puts the file's name and place in front of it).
#[derive(Clone, Debug)]
pub struct DataFileError {
    /// `io` (cannot read the file), `data-file` (not a valid `.npy`/`.npz`),
    /// `unknown-array` (no such array in the archive), `bad-dtype`, `bad-shape`, `bad-value`, `too-large`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl DataFileError {
    fn new(code: &'static str, message: impl Into<String>) -> DataFileError {
        DataFileError {
            code,
            message: message.into(),
            help: None,
        }
    }

    fn with_help(mut self, help: impl Into<String>) -> DataFileError {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for DataFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for DataFileError {}

/// Reads the array of an `.npy` file, or the array `array` of an `.npz`
/// archive (a name `np.savez` was given; `None` is an error for an archive, and
/// a name is an error for an `.npy` file).
pub fn read_array(path: &Path, array: Option<&str>) -> Result<DataArray, DataFileError> {
    read_array_if(path, array, |_| Ok(()))
}

/// As [`read_array`], but `accept` sees the header first: an array it refuses
/// (its dtype, its number of dimensions) is not read.
pub fn read_array_if(
    path: &Path,
    array: Option<&str>,
    accept: impl Fn(&ArrayInfo) -> Result<(), DataFileError>,
) -> Result<DataArray, DataFileError> {
    let meta = std::fs::metadata(path).map_err(|e| DataFileError::new("io", format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(DataFileError::new("io", "cannot read it: not a regular file"));
    }
    let file = File::open(path).map_err(|e| DataFileError::new("io", format!("cannot read it: {e}")))?;
    let is_npz = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npz"));
    if !is_npz {
        if let Some(name) = array {
            return Err(DataFileError::new(
                "data-file",
                format!("'array = \"{name}\"' names an array of an .npz archive, but this is an .npy file"),
            )
            .with_help("an .npy file holds one array: leave out 'array'"));
        }
        return read_npy(BufReader::new(file), meta.len(), accept);
    }
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| DataFileError::new("data-file", format!("not a valid .npz archive: {e}")))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.strip_suffix(".npy").unwrap_or(n).to_string())
        .collect();
    let listed = if names.is_empty() {
        "it holds no arrays".to_string()
    } else {
        let mut sorted = names.clone();
        sorted.sort();
        format!("it holds: {}", sorted.join(", "))
    };
    let Some(name) = array else {
        return Err(DataFileError::new(
            "unknown-array",
            "an .npz archive holds named arrays: say which with 'array = \"NAME\"'",
        )
        .with_help(listed));
    };
    // NumPy's np.load looks for NAME, then NAME.npy
    let member = [name.to_string(), format!("{name}.npy")]
        .into_iter()
        .find(|m| zip.index_for_name(m).is_some());
    let Some(member) = member else {
        let mut e = DataFileError::new("unknown-array", format!("the archive has no array '{name}'"));
        if let Some(s) = crate::model::scope::suggest(name, names.iter().map(String::as_str)) {
            e = e.with_help(format!("did you mean '{s}'? ({listed})"));
        } else {
            e = e.with_help(listed);
        }
        return Err(e);
    };
    let entry = zip
        .by_name(&member)
        .map_err(|e| DataFileError::new("data-file", format!("cannot read the array '{name}': {e}")))?;
    let size = entry.size();
    read_npy(entry, size, accept)
}

/// Reads one `.npy` stream of `size` bytes (the file, or the archive's member).
fn read_npy<R: Read>(
    mut r: R,
    size: u64,
    accept: impl Fn(&ArrayInfo) -> Result<(), DataFileError>,
) -> Result<DataArray, DataFileError> {
    let header = Header::from_reader(&mut r)
        .map_err(|e| DataFileError::new("data-file", format!("not a valid .npy file: {e}")))?;
    let descr = &header.type_descriptor;
    let Some(dtype) = descr.as_string().and_then(|s| Dtype::of_descriptor(s)) else {
        let shown = descr.format_ascii().unwrap_or_else(|_| "?".to_string());
        return Err(DataFileError::new(
            "bad-dtype",
            format!("it holds elements of dtype {shown}, which spikejit does not read"),
        )
        .with_help(
            "save numbers (float64, float32, integers) or booleans, e.g. with np.save(path, x.astype(np.float64))",
        ));
    };
    let info = ArrayInfo {
        shape: header.shape.clone(),
        dtype,
    };
    accept(&info)?;
    let len = header.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let bytes = len.and_then(|n| n.checked_mul(dtype.size()));
    let Some((len, bytes)) = len.zip(bytes).filter(|&(_, b)| b as u64 <= size) else {
        return Err(DataFileError::new(
            "data-file",
            format!(
                "its header promises {} but the file holds only {size} bytes: it is truncated or damaged",
                info.describe()
            ),
        ));
    };
    crate::sim::check_memory("too-large", "", "bytes of array data", bytes as f64, 1.0)
        .map_err(|e| DataFileError::new("too-large", e.0.first().map(|d| d.message.clone()).unwrap_or_default()))?;
    let fortran = header.layout.is_fortran();
    let data_error =
        |e: ndarray_npy::ReadDataError| DataFileError::new("data-file", format!("cannot read its data: {e}"));
    // the elements of the dtype, row-major; widened below to the three kinds kept
    macro_rules! read {
        ($t:ty) => {
            row_major(
                <$t>::read_to_end_exact_vec(&mut r, &header.type_descriptor, len).map_err(data_error)?,
                &info.shape,
                fortran,
            )
        };
    }
    let elements = match dtype {
        Dtype::F64 => Elements::Float(read!(f64)),
        Dtype::F32 => Elements::Float(widen(read!(f32))),
        Dtype::Bool => Elements::Bool(read!(bool)),
        Dtype::I64 => Elements::Int(read!(i64)),
        Dtype::I32 => Elements::Int(widen(read!(i32))),
        Dtype::I16 => Elements::Int(widen(read!(i16))),
        Dtype::I8 => Elements::Int(widen(read!(i8))),
        Dtype::U32 => Elements::Int(widen(read!(u32))),
        Dtype::U16 => Elements::Int(widen(read!(u16))),
        Dtype::U8 => Elements::Int(widen(read!(u8))),
        Dtype::U64 => {
            let v = read!(u64);
            if let Some((k, x)) = v.iter().enumerate().find(|(_, x)| **x > i64::MAX as u64) {
                return Err(DataFileError::new(
                    "bad-value",
                    format!("entry {k} ({x}) is larger than the largest int64"),
                ));
            }
            Elements::Int(v.into_iter().map(|x| x as i64).collect())
        }
    };
    Ok(DataArray { info, elements })
}

/// Elements converted without loss (`i32` to `i64`, `f32` to `f64`).
fn widen<T, U: From<T>>(v: Vec<T>) -> Vec<U> {
    v.into_iter().map(U::from).collect()
}

/// The elements in row-major order: as they are for a C-ordered file (no
/// copy), reordered for a Fortran-ordered one.
fn row_major<T: Clone>(v: Vec<T>, shape: &[usize], fortran: bool) -> Vec<T> {
    if !fortran || shape.len() < 2 {
        return v;
    }
    match ArrayD::from_shape_vec(IxDyn(shape).f(), v) {
        Ok(a) => a.iter().cloned().collect(),
        // the length was computed from the shape: this cannot differ
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};
    use ndarray_npy::{NpzWriter, write_npy};

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("spikejit-data-file-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir.join(name)
    }

    #[test]
    fn reads_npy_of_each_kind() {
        let p = temp("f32.npy");
        write_npy(&p, &Array1::from(vec![1.5f32, -2.0])).unwrap_or_else(|e| panic!("{e}"));
        let a = read_array(&p, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.info.shape, vec![2]);
        assert_eq!(a.info.dtype, Dtype::F32);
        assert_eq!(a.into_f64().ok(), Some(vec![1.5, -2.0]));

        let p = temp("i32.npy");
        write_npy(&p, &Array1::from(vec![3i32, 4, -1])).unwrap_or_else(|e| panic!("{e}"));
        let a = read_array(&p, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.info.describe(), "a 1-d array of shape (3,) of int32");
        assert_eq!(a.into_i64(), Some(vec![3, 4, -1]));

        let p = temp("bool.npy");
        write_npy(&p, &Array1::from(vec![true, false])).unwrap_or_else(|e| panic!("{e}"));
        let a = read_array(&p, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.into_f64().ok(), Some(vec![1.0, 0.0]));
    }

    #[test]
    fn fortran_order_is_read_row_major() {
        let p = temp("fortran.npy");
        let c = Array2::from_shape_vec((2, 3), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap_or_else(|e| panic!("{e}"));
        let f = c.t().as_standard_layout().t().to_owned();
        assert!(!f.is_standard_layout());
        write_npy(&p, &f).unwrap_or_else(|e| panic!("{e}"));
        let a = read_array(&p, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.info.shape, vec![2, 3]);
        assert_eq!(a.into_f64().ok(), Some(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    }

    #[test]
    fn npz_members_by_name() {
        let p = temp("arrays.npz");
        let mut w = NpzWriter::new(File::create(&p).unwrap_or_else(|e| panic!("{e}")));
        w.add_array("rates", &Array1::from(vec![1.0f64, 2.0]))
            .unwrap_or_else(|e| panic!("{e}"));
        w.add_array("idx", &Array1::from(vec![7u8]))
            .unwrap_or_else(|e| panic!("{e}"));
        w.finish().unwrap_or_else(|e| panic!("{e}"));
        let a = read_array(&p, Some("rates")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.into_f64().ok(), Some(vec![1.0, 2.0]));
        let a = read_array(&p, Some("idx")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.into_i64(), Some(vec![7]));
        let e = read_array(&p, Some("rate")).err().unwrap_or_else(|| panic!("no error"));
        assert_eq!(e.code, "unknown-array");
        assert!(e.help.unwrap_or_default().contains("did you mean 'rates'?"));
        let e = read_array(&p, None).err().unwrap_or_else(|| panic!("no error"));
        assert_eq!(e.code, "unknown-array");
    }

    #[test]
    fn refused_before_reading_and_truncated() {
        let p = temp("big.npy");
        write_npy(&p, &Array1::from(vec![0.0f64; 16])).unwrap_or_else(|e| panic!("{e}"));
        let e = read_array_if(&p, None, |i| {
            Err(DataFileError::new("bad-shape", format!("holds {}", i.describe())))
        })
        .err()
        .unwrap_or_else(|| panic!("no error"));
        assert_eq!(e.message, "holds a 1-d array of shape (16,) of float64");
        // a header that promises more than the file has
        let mut bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"));
        let at = bytes
            .windows(5)
            .position(|w| w == b"(16,)")
            .unwrap_or_else(|| panic!("no shape"));
        bytes[at + 1..at + 3].copy_from_slice(b"99");
        let q = temp("truncated.npy");
        std::fs::write(&q, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let e = read_array(&q, None).err().unwrap_or_else(|| panic!("no error"));
        assert!(e.message.contains("truncated"), "{}", e.message);
        let e = read_array(&temp("missing.npy"), None)
            .err()
            .unwrap_or_else(|| panic!("no error"));
        assert_eq!(e.code, "io");
    }
}
