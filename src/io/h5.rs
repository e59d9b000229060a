//! HDF5 files as an in-memory tree of groups, datasets and attributes, written whole
//! and atomically: the file is serialized to a temporary file in the same directory,
//! synced, and renamed over the destination, so a reader (or a crash) only ever sees
//! the previous complete version or the new one. The `hdf5-pure` backend stays behind
//! this module.
//!
//! Complex data are stored as the compound `{r: f64, i: f64}`, which h5py reads as
//! native `complex128`.

use crate::error::{Error, Result};
use num_complex::Complex64;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr {
    /// UTF-8 text.
    Text(String),
    /// A 64-bit float.
    Float(f64),
    /// A 64-bit signed integer.
    Int(i64),
    /// A boolean, stored as an unsigned byte (0 or 1).
    Bool(bool),
}

/// Dataset elements.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// 64-bit floats.
    Float(Vec<f64>),
    /// 64-bit signed integers.
    Int(Vec<i64>),
    /// Unsigned 64-bit integers.
    UInt(Vec<u64>),
    /// Signed bytes (spin configurations).
    Byte(Vec<i8>),
    /// Complex numbers, `{r, i}` compound.
    Complex(Vec<Complex64>),
}

impl Data {
    fn truncate(&mut self, n: usize) {
        match self {
            Data::Float(v) => v.truncate(n),
            Data::Int(v) => v.truncate(n),
            Data::UInt(v) => v.truncate(n),
            Data::Byte(v) => v.truncate(n),
            Data::Complex(v) => v.truncate(n),
        }
    }

    /// The elements as floats (integers converted); `None` for complex data.
    pub fn to_f64(&self) -> Option<Vec<f64>> {
        Some(match self {
            Data::Float(v) => v.clone(),
            Data::Int(v) => v.iter().map(|&i| i as f64).collect(),
            Data::UInt(v) => v.iter().map(|&i| i as f64).collect(),
            Data::Byte(v) => v.iter().map(|&i| f64::from(i)).collect(),
            Data::Complex(_) => return None,
        })
    }

    fn len(&self) -> usize {
        match self {
            Data::Float(v) => v.len(),
            Data::Int(v) => v.len(),
            Data::UInt(v) => v.len(),
            Data::Byte(v) => v.len(),
            Data::Complex(v) => v.len(),
        }
    }
}

/// A dataset: row-major data of a given shape, with attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Elements, row-major.
    pub data: Data,
    /// Dimensions (product = number of elements).
    pub shape: Vec<usize>,
    /// Attributes.
    pub attrs: BTreeMap<String, Attr>,
}

impl Dataset {
    /// Keeps the first `n` entries of a one-dimensional dataset.
    pub fn truncate(&mut self, n: usize) {
        if self.shape.len() == 1 && self.shape[0] > n {
            self.data.truncate(n);
            self.shape[0] = n;
        }
    }
}

/// A group: attributes, datasets and subgroups, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    /// Attributes.
    pub attrs: BTreeMap<String, Attr>,
    /// Datasets.
    pub datasets: BTreeMap<String, Dataset>,
    /// Subgroups.
    pub groups: BTreeMap<String, Group>,
}

impl Group {
    /// The subgroup at `path` (`a/b/c`), created with its parents if missing.
    pub fn group_mut(&mut self, path: &str) -> &mut Group {
        path.split('/')
            .filter(|p| !p.is_empty())
            .fold(self, |g, name| {
                g.groups.entry(name.to_string()).or_default()
            })
    }

    /// The subgroup at `path`, if present.
    pub fn group(&self, path: &str) -> Option<&Group> {
        path.split('/')
            .filter(|p| !p.is_empty())
            .try_fold(self, |g, name| g.groups.get(name))
    }

    /// Sets an attribute.
    pub fn set_attr(&mut self, name: &str, value: Attr) {
        self.attrs.insert(name.to_string(), value);
    }

    /// Stores a one-dimensional dataset.
    pub fn set_vector(&mut self, name: &str, data: Data) {
        let n = data.len();
        self.set_array(name, data, vec![n]);
    }

    /// Stores a dataset of the given shape (row-major data).
    pub fn set_array(&mut self, name: &str, data: Data, shape: Vec<usize>) {
        assert_eq!(
            data.len(),
            shape.iter().product::<usize>(),
            "dataset {name}"
        );
        self.datasets.insert(
            name.to_string(),
            Dataset {
                data,
                shape,
                attrs: BTreeMap::new(),
            },
        );
    }
}

/// Serializes `root` as an HDF5 image.
pub fn to_bytes(root: &Group) -> Result<Vec<u8>> {
    let mut builder = hdf5_pure::FileBuilder::new();
    for (name, value) in &root.attrs {
        builder.set_attr(name, attr_value(value));
    }
    for (name, dataset) in &root.datasets {
        fill_dataset(builder.create_dataset(name), dataset)?;
    }
    for (name, group) in &root.groups {
        let mut g = builder.create_group(name);
        fill_group(&mut g, group)?;
        builder.add_group(g.finish());
    }
    builder
        .finish()
        .map_err(|e| Error::Numerical(format!("could not serialize the HDF5 file: {e}")))
}

fn fill_group(builder: &mut hdf5_pure::GroupBuilder, group: &Group) -> Result<()> {
    for (name, value) in &group.attrs {
        builder.set_attr(name, attr_value(value));
    }
    for (name, dataset) in &group.datasets {
        fill_dataset(builder.create_dataset(name), dataset)?;
    }
    for (name, sub) in &group.groups {
        let mut g = builder.create_group(name);
        fill_group(&mut g, sub)?;
        builder.add_group(g.finish());
    }
    Ok(())
}

fn attr_value(a: &Attr) -> hdf5_pure::AttrValue {
    match a {
        Attr::Text(s) => hdf5_pure::AttrValue::String(s.clone()),
        Attr::Float(x) => hdf5_pure::AttrValue::F64(*x),
        Attr::Int(x) => hdf5_pure::AttrValue::I64(*x),
        Attr::Bool(b) => hdf5_pure::AttrValue::U8(u8::from(*b)),
    }
}

fn fill_dataset(builder: &mut hdf5_pure::DatasetBuilder, dataset: &Dataset) -> Result<()> {
    match &dataset.data {
        Data::Float(v) => builder.with_f64_data(v),
        Data::Int(v) => builder.with_i64_data(v),
        Data::UInt(v) => builder.with_u64_data(v),
        Data::Byte(v) => builder.with_i8_data(v),
        Data::Complex(v) => {
            let datatype = hdf5_pure::CompoundTypeBuilder::new()
                .f64_field("r")
                .f64_field("i")
                .build()
                .map_err(|e| Error::Numerical(format!("complex HDF5 type: {e}")))?;
            let mut raw = Vec::with_capacity(16 * v.len());
            for z in v {
                raw.extend_from_slice(&z.re.to_le_bytes());
                raw.extend_from_slice(&z.im.to_le_bytes());
            }
            builder.with_compound_data(datatype, raw, v.len() as u64)
        }
    };
    let shape: Vec<u64> = dataset.shape.iter().map(|&d| d as u64).collect();
    builder.with_shape(&shape);
    for (name, value) in &dataset.attrs {
        builder.set_attr(name, attr_value(value));
    }
    Ok(())
}

/// Writes `root` to `path` atomically: a temporary file in the same directory, then
/// renamed over `path`. A crash of the process leaves the old or the new file, never
/// a mixture; with `durable`, the data are also synced to the disk before the rename
/// (so that a power failure cannot lose them).
pub fn write_atomic(path: &Path, root: &Group, durable: bool) -> Result<()> {
    let bytes = to_bytes(root)?;
    let tmp = temporary_path(path);
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        if durable {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// The temporary file next to `path` used by [`write_atomic`].
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output.h5".into());
    path.with_file_name(format!(".{name}.partial"))
}

/// Reads an HDF5 file back into a tree (attributes of the kinds in [`Attr`],
/// datasets of the kinds in [`Data`]).
pub fn read(path: &Path) -> Result<Group> {
    let fail = |what: String| Error::Invalid {
        key: path.display().to_string(),
        message: what,
    };
    let file = hdf5_pure::File::open(path)
        .map_err(|e| fail(format!("is not a readable HDF5 file ({e})")))?;
    let mut root = Group::default();
    read_group(&file, "", &mut root).map_err(|e| fail(format!("could not be read ({e})")))?;
    Ok(root)
}

fn read_group(
    file: &hdf5_pure::File,
    path: &str,
    into: &mut Group,
) -> std::result::Result<(), hdf5_pure::Error> {
    let group = if path.is_empty() {
        file.root()
    } else {
        file.group(path)?
    };
    for (name, value) in group.attrs()? {
        if let Some(a) = from_attr_value(&value) {
            into.attrs.insert(name, a);
        }
    }
    for name in group.datasets()? {
        let full = join(path, &name);
        let ds = file.dataset(&full)?;
        let shape: Vec<usize> = ds.shape()?.iter().map(|&d| d as usize).collect();
        let data = read_data(&ds)?;
        let mut attrs = BTreeMap::new();
        for (k, v) in ds.attrs()? {
            if let Some(a) = from_attr_value(&v) {
                attrs.insert(k, a);
            }
        }
        into.datasets.insert(name, Dataset { data, shape, attrs });
    }
    for name in group.groups()? {
        let full = join(path, &name);
        read_group(file, &full, into.groups.entry(name).or_default())?;
    }
    Ok(())
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}/{name}")
    }
}

fn read_data(ds: &hdf5_pure::Dataset) -> std::result::Result<Data, hdf5_pure::Error> {
    use hdf5_pure::DType;
    Ok(match ds.dtype()? {
        DType::I64 => Data::Int(ds.read::<i64>()?),
        DType::U64 => Data::UInt(ds.read::<u64>()?),
        DType::I8 => Data::Byte(ds.read::<i8>()?),
        DType::Compound(fields) if fields.len() == 2 => {
            let raw = ds.read_raw()?;
            Data::Complex(
                raw.chunks_exact(16)
                    .map(|c| {
                        let re = f64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
                        let im = f64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
                        Complex64::new(re, im)
                    })
                    .collect(),
            )
        }
        _ => Data::Float(ds.read::<f64>()?),
    })
}

fn from_attr_value(v: &hdf5_pure::AttrValue) -> Option<Attr> {
    use hdf5_pure::AttrValue as V;
    Some(match v {
        // h5py writes a Python `str` as a variable-length string.
        V::String(s) | V::AsciiString(s) | V::VarLenString(s) | V::VarLenAsciiString(s) => {
            Attr::Text(s.clone())
        }
        V::AsciiStringSized { value, .. } => Attr::Text(value.clone()),
        V::F64(x) => Attr::Float(*x),
        V::F32(x) => Attr::Float(f64::from(*x)),
        V::I64(x) => Attr::Int(*x),
        V::I32(x) => Attr::Int(i64::from(*x)),
        V::U8(x) => Attr::Bool(*x != 0),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_tree() -> Group {
        let mut root = Group::default();
        root.set_attr("version", Attr::Text("0.1.0".into()));
        root.set_attr("seed", Attr::Int(-7));
        root.set_attr("complete", Attr::Bool(true));
        let g = root.group_mut("vmc/log");
        g.set_attr("tolerance", Attr::Float(1e-9));
        g.set_vector("energy", Data::Float(vec![-1.5, -2.25]));
        g.set_vector("iteration", Data::Int(vec![1, 2]));
        g.set_vector("empty", Data::Float(vec![]));
        let c = root.group_mut("vmc/checkpoint");
        c.set_array("sigma", Data::Byte(vec![1, -1, -1, 1, 1, 1]), vec![2, 3]);
        c.set_vector("rng", Data::UInt(vec![u64::MAX, 3]));
        c.set_vector(
            "parameters",
            Data::Complex(vec![Complex64::new(0.5, -0.25), Complex64::new(-1.0, 2.0)]),
        );
        root
    }

    #[test]
    fn trees_round_trip_through_a_file() {
        let dir = std::env::temp_dir().join(format!("hamlet-h5-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.h5");
        let tree = sample_tree();
        write_atomic(&path, &tree, true).unwrap();
        assert!(!temporary_path(&path).exists());
        assert_eq!(read(&path).unwrap(), tree);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_the_previous_file_intact() {
        let dir = std::env::temp_dir().join(format!("hamlet-h5-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.h5");
        let tree = sample_tree();
        write_atomic(&path, &tree, false).unwrap();
        let before = std::fs::read(&path).unwrap();
        // Block the temporary file: the new version cannot be written.
        std::fs::create_dir_all(temporary_path(&path)).unwrap();
        let mut changed = tree.clone();
        changed.set_attr("complete", Attr::Bool(false));
        assert!(write_atomic(&path, &changed, false).is_err());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "destination untouched"
        );
        assert_eq!(read(&path).unwrap(), tree);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unwritable_destinations_are_errors_and_leave_nothing() {
        let path = Path::new("/nonexistent-dir/run.h5");
        let err = write_atomic(path, &sample_tree(), false).unwrap_err();
        assert!(err.to_string().contains("/nonexistent-dir/run.h5"), "{err}");
    }
}
