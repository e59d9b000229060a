//! Lattices: sites and bonds.
//!
//! A [`Lattice`] is a set of `N` sites with nearest-neighbour bonds and, optionally,
//! next-nearest-neighbour bonds. Chains and rectangular (square) lattices are
//! generated with periodic or open boundaries; any other geometry is given as an
//! explicit edge list. Bonds are undirected, stored as `(i, j)` with `i < j`, without
//! duplicates or self-loops: a periodic chain of two sites has one bond, and a
//! periodic `L × 2` lattice has one vertical bond per column, as in NetKet's graphs.
//!
//! Whether the nearest-neighbour graph is bipartite is *detected* (two-colouring by
//! breadth-first search), never assumed; the Marshall sign rule needs it.

use crate::error::{Error, Result};
use std::collections::{BTreeSet, VecDeque};

/// Largest lattice accepted. Variational Monte Carlo works on `±1` configurations of
/// any size up to this; exact diagonalization and exact enumeration pack states in a
/// `u64` and are limited to 64 sites.
pub const MAX_SITES: usize = 4096;

/// Boundary condition of a generated lattice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// Site `L` is identified with site `0` in every direction.
    Periodic,
    /// Edges are not wrapped.
    Open,
}

impl Boundary {
    /// Name as written in decks and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Boundary::Periodic => "periodic",
            Boundary::Open => "open",
        }
    }
}

/// How the lattice was built; kept for reporting and for closed-form references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Geometry {
    /// A ring (periodic) or open chain of `length` sites.
    Chain { length: usize, boundary: Boundary },
    /// An `lx × ly` rectangular lattice; site index `x + lx·y`.
    Rectangular {
        lx: usize,
        ly: usize,
        boundary: Boundary,
    },
    /// An explicit edge list.
    Edges,
}

/// Sites and bonds of a lattice, validated at construction.
#[derive(Clone, Debug)]
pub struct Lattice {
    n_sites: usize,
    geometry: Geometry,
    bonds: Vec<(usize, usize)>,
    next_nearest: Vec<(usize, usize)>,
    sublattice: Option<Vec<u8>>,
}

impl Lattice {
    /// A chain of `length` sites with nearest and next-nearest bonds.
    pub fn chain(length: usize, boundary: Boundary) -> Result<Self> {
        check_size("system.size", length)?;
        let wrap = boundary == Boundary::Periodic;
        let mut nn = Vec::new();
        let mut nnn = Vec::new();
        for i in 0..length {
            if i + 1 < length || wrap {
                nn.push((i, (i + 1) % length));
            }
            if i + 2 < length || wrap {
                nnn.push((i, (i + 2) % length));
            }
        }
        Self::build(
            length,
            Geometry::Chain { length, boundary },
            nn,
            nnn,
            "system.size",
        )
    }

    /// An `lx × ly` rectangular lattice (square when `lx == ly`); site `(x, y)` has
    /// index `x + lx·y`. Next-nearest bonds are the two diagonals of each plaquette.
    pub fn rectangular(lx: usize, ly: usize, boundary: Boundary) -> Result<Self> {
        if lx == 0 || ly == 0 {
            return Err(Error::invalid(
                "system.size",
                format!("{lx}x{ly} has no sites; both lengths must be at least 1"),
            ));
        }
        let n = lx
            .checked_mul(ly)
            .ok_or_else(|| Error::invalid("system.size", "lattice too large"))?;
        check_size("system.size", n)?;
        let wrap = boundary == Boundary::Periodic;
        let idx = |x: usize, y: usize| (x % lx) + lx * (y % ly);
        let mut nn = Vec::new();
        let mut nnn = Vec::new();
        for y in 0..ly {
            for x in 0..lx {
                let right = x + 1 < lx || wrap;
                let up = y + 1 < ly || wrap;
                let down = y > 0 || wrap;
                if right {
                    nn.push((idx(x, y), idx(x + 1, y)));
                }
                if up {
                    nn.push((idx(x, y), idx(x, y + 1)));
                }
                if right && up {
                    nnn.push((idx(x, y), idx(x + 1, y + 1)));
                }
                if right && down {
                    nnn.push((idx(x, y), idx(x + 1, y + ly - 1)));
                }
            }
        }
        Self::build(
            n,
            Geometry::Rectangular { lx, ly, boundary },
            nn,
            nnn,
            "system.size",
        )
    }

    /// A lattice from explicit bonds on `n_sites` sites.
    pub fn from_edges(
        n_sites: usize,
        edges: &[(usize, usize)],
        next_nearest: &[(usize, usize)],
    ) -> Result<Self> {
        check_size("system.size", n_sites)?;
        for (key, list) in [
            ("system.edges", edges),
            ("system.next_nearest", next_nearest),
        ] {
            for &(i, j) in list {
                if i >= n_sites || j >= n_sites {
                    return Err(Error::invalid(
                        key,
                        format!("bond [{i}, {j}] names a site outside 0..{n_sites}"),
                    ));
                }
                if i == j {
                    return Err(Error::invalid(
                        key,
                        format!("bond [{i}, {j}] joins a site to itself"),
                    ));
                }
            }
        }
        Self::build(
            n_sites,
            Geometry::Edges,
            edges.to_vec(),
            next_nearest.to_vec(),
            "system.edges",
        )
    }

    fn build(
        n_sites: usize,
        geometry: Geometry,
        nn: Vec<(usize, usize)>,
        nnn: Vec<(usize, usize)>,
        key: &str,
    ) -> Result<Self> {
        let bonds = normalize(nn);
        let mut next_nearest = normalize(nnn);
        // On tiny periodic lattices a "next-nearest" pair can coincide with a bond.
        next_nearest.retain(|b| bonds.binary_search(b).is_err());
        if bonds.is_empty() && n_sites > 1 && geometry == Geometry::Edges {
            return Err(Error::invalid(
                key,
                "the edge list is empty; give at least one bond such as [[0, 1]]",
            ));
        }
        let sublattice = two_colouring(n_sites, &bonds);
        Ok(Self {
            n_sites,
            geometry,
            bonds,
            next_nearest,
            sublattice,
        })
    }

    /// Number of sites `N`.
    pub fn n_sites(&self) -> usize {
        self.n_sites
    }

    /// How the lattice was generated.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Nearest-neighbour bonds `(i, j)`, `i < j`, sorted.
    pub fn bonds(&self) -> &[(usize, usize)] {
        &self.bonds
    }

    /// Next-nearest-neighbour bonds `(i, j)`, `i < j`, sorted.
    pub fn next_nearest_bonds(&self) -> &[(usize, usize)] {
        &self.next_nearest
    }

    /// Sublattice label (0 or 1) of every site if the nearest-neighbour graph is
    /// bipartite, `None` otherwise. Site 0 of each connected component is on sublattice 0.
    pub fn bipartition(&self) -> Option<&[u8]> {
        self.sublattice.as_deref()
    }

    /// The translation group of a periodic chain or rectangular lattice, one site
    /// permutation per element: `t[g][i]` is where translation `g` takes site `i`
    /// (`g = tx + lx·ty` shifts `(x, y)` to `(x + tx, y + ty)`, modulo the lengths;
    /// `g = 0` is the identity). `None` for open boundaries and edge lists, which have
    /// no translation symmetry.
    pub fn translations(&self) -> Option<Vec<Vec<usize>>> {
        let (lx, ly) = match self.geometry {
            Geometry::Chain {
                length,
                boundary: Boundary::Periodic,
            } => (length, 1),
            Geometry::Rectangular {
                lx,
                ly,
                boundary: Boundary::Periodic,
            } => (lx, ly),
            _ => return None,
        };
        let group = (0..ly)
            .flat_map(|ty| (0..lx).map(move |tx| (tx, ty)))
            .map(|(tx, ty)| {
                (0..lx * ly)
                    .map(|i| {
                        let (x, y) = (i % lx, i / lx);
                        (x + tx) % lx + lx * ((y + ty) % ly)
                    })
                    .collect()
            })
            .collect();
        Some(group)
    }

    /// A short human description, e.g. `chain of 20 sites (periodic)`.
    pub fn describe(&self) -> String {
        match &self.geometry {
            Geometry::Chain { length, boundary } => {
                format!("chain of {length} sites ({})", boundary.name())
            }
            Geometry::Rectangular { lx, ly, boundary } => {
                format!("{lx}x{ly} square lattice ({})", boundary.name())
            }
            Geometry::Edges => format!(
                "edge list: {} sites, {} bonds, {} next-nearest bonds",
                self.n_sites,
                self.bonds.len(),
                self.next_nearest.len()
            ),
        }
    }
}

fn check_size(key: &str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::invalid(key, "the lattice needs at least one site"));
    }
    if n > MAX_SITES {
        return Err(Error::invalid(
            key,
            format!("{n} sites; lattices are limited to {MAX_SITES} sites"),
        ));
    }
    Ok(())
}

fn normalize(bonds: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let set: BTreeSet<(usize, usize)> = bonds
        .into_iter()
        .filter(|(i, j)| i != j)
        .map(|(i, j)| (i.min(j), i.max(j)))
        .collect();
    set.into_iter().collect()
}

/// Two-colouring of the bond graph by breadth-first search; `None` on an odd cycle.
fn two_colouring(n: usize, bonds: &[(usize, usize)]) -> Option<Vec<u8>> {
    let mut adjacency = vec![Vec::new(); n];
    for &(i, j) in bonds {
        adjacency[i].push(j);
        adjacency[j].push(i);
    }
    let mut colour: Vec<Option<u8>> = vec![None; n];
    let mut queue = VecDeque::new();
    for start in 0..n {
        if colour[start].is_some() {
            continue;
        }
        colour[start] = Some(0);
        queue.push_back(start);
        while let Some(i) = queue.pop_front() {
            let c = colour[i].expect("queued sites are coloured");
            for &j in &adjacency[i] {
                match colour[j] {
                    None => {
                        colour[j] = Some(1 - c);
                        queue.push_back(j);
                    }
                    Some(cj) if cj == c => return None,
                    Some(_) => {}
                }
            }
        }
    }
    Some(colour.into_iter().map(|c| c.unwrap_or(0)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every translation is a permutation that maps bonds to bonds (nearest and
    /// next-nearest), the elements are distinct, and composing two is a third.
    #[test]
    fn translations_are_distinct_automorphisms_closed_under_composition() {
        for lattice in [
            Lattice::chain(7, Boundary::Periodic).unwrap(),
            Lattice::rectangular(4, 3, Boundary::Periodic).unwrap(),
            Lattice::rectangular(4, 4, Boundary::Periodic).unwrap(),
        ] {
            let group = lattice.translations().unwrap();
            let n = lattice.n_sites();
            assert_eq!(group.len(), n);
            assert_eq!(group[0], (0..n).collect::<Vec<_>>());
            let key = |(i, j): (usize, usize)| (i.min(j), i.max(j));
            for t in &group {
                let mut image = t.clone();
                image.sort_unstable();
                assert_eq!(image, (0..n).collect::<Vec<_>>(), "a permutation");
                for bonds in [lattice.bonds(), lattice.next_nearest_bonds()] {
                    let mut mapped: Vec<_> =
                        bonds.iter().map(|&(i, j)| key((t[i], t[j]))).collect();
                    mapped.sort_unstable();
                    assert_eq!(mapped, bonds.to_vec());
                }
            }
            for a in &group {
                for b in &group {
                    let ab: Vec<usize> = (0..n).map(|i| a[b[i]]).collect();
                    assert!(group.contains(&ab));
                }
            }
            let distinct: BTreeSet<_> = group.iter().collect();
            assert_eq!(distinct.len(), n);
        }
        assert!(Lattice::chain(6, Boundary::Open)
            .unwrap()
            .translations()
            .is_none());
    }

    #[test]
    fn periodic_chain_has_n_bonds_and_is_bipartite_when_even() {
        let l = Lattice::chain(6, Boundary::Periodic).unwrap();
        assert_eq!(l.bonds().len(), 6);
        assert_eq!(l.next_nearest_bonds().len(), 6);
        assert_eq!(l.bipartition().unwrap(), &[0, 1, 0, 1, 0, 1]);
        let odd = Lattice::chain(5, Boundary::Periodic).unwrap();
        assert!(odd.bipartition().is_none());
        let open = Lattice::chain(5, Boundary::Open).unwrap();
        assert_eq!(open.bonds().len(), 4);
        assert_eq!(open.next_nearest_bonds().len(), 3);
        assert!(open.bipartition().is_some());
    }

    #[test]
    fn square_lattice_coordination() {
        let l = Lattice::rectangular(4, 4, Boundary::Periodic).unwrap();
        assert_eq!(l.bonds().len(), 32);
        assert_eq!(l.next_nearest_bonds().len(), 32);
        let mut degree = [0; 16];
        for &(i, j) in l.bonds() {
            degree[i] += 1;
            degree[j] += 1;
        }
        assert!(degree.iter().all(|&d| d == 4));
        let open = Lattice::rectangular(3, 2, Boundary::Open).unwrap();
        assert_eq!(open.bonds().len(), 7);
        assert_eq!(open.next_nearest_bonds().len(), 4);
        // 3x3 periodic has odd cycles.
        assert!(Lattice::rectangular(3, 3, Boundary::Periodic)
            .unwrap()
            .bipartition()
            .is_none());
    }

    #[test]
    fn tiny_periodic_lattices_have_no_duplicate_bonds() {
        let l = Lattice::chain(2, Boundary::Periodic).unwrap();
        assert_eq!(l.bonds(), &[(0, 1)]);
        assert!(l.next_nearest_bonds().is_empty());
        let r = Lattice::rectangular(2, 2, Boundary::Periodic).unwrap();
        assert_eq!(r.bonds().len(), 4);
    }

    #[test]
    fn edge_list_is_validated() {
        assert!(Lattice::from_edges(3, &[(0, 3)], &[]).is_err());
        assert!(Lattice::from_edges(3, &[(1, 1)], &[]).is_err());
        assert!(Lattice::from_edges(3, &[], &[]).is_err());
        let tri = Lattice::from_edges(3, &[(0, 1), (1, 2), (2, 0)], &[]).unwrap();
        assert!(tri.bipartition().is_none());
        assert!(Lattice::chain(0, Boundary::Open).is_err());
        assert!(Lattice::chain(MAX_SITES + 1, Boundary::Open).is_err());
        assert!(Lattice::chain(80, Boundary::Periodic).is_ok());
    }
}
