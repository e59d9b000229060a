//! Exact quantum scattering of a nuclear wave packet on coupled diabatic surfaces: the
//! reference that surface hopping is checked against.
