//! Fuzzing the deck loader: random text, random TOML-like text, and random mutations
//! of the shipped decks and of `--set` overrides. Nothing may panic, and every
//! rejection must be a one-line message. Case counts are fixed (and the generator
//! seeded by proptest's deterministic default), so the run is repeatable:
//! 3 × 4000 cases plus 4000 counted mutations, about a second.

use hamlet::io::Deck;
use proptest::prelude::*;
use proptest::test_runner::Config;

const CASES: u32 = 4000;

fn shipped_decks() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/models");
    let mut decks: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    decks.sort();
    decks
}

/// Tokens that make mutations likely to reach the validators rather than the parser.
const TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "\"",
    "\n",
    "#",
    ",",
    ".",
    "-",
    "0",
    "-1",
    "1e400",
    "nan",
    "inf",
    "true",
    "4096",
    "99999999999999999999",
    "[4, 4]",
    "[]",
    "{}",
    "\"all\"",
    "\"auto\"",
    "0.5",
    "size",
    "model",
    "alpha",
    "samples",
    "chains",
    "total_sz",
    "J2",
    "h",
    "kind",
    "[system]",
    "[hamiltonian]",
    "[ansatz]",
    "[sampler]",
    "[optimizer]",
    "[vmc]",
    "[output]",
    "[exact]",
    "\"heisenberg\"",
    "\"j1j2\"",
    "\"square\"",
    "\"exchange\"",
    "\"minsr\"",
    "seed",
    "times",
    "[initial]",
    "[potential]",
    "[basis]",
    "[domain]",
    "sigma",
    "p0",
    "points",
    "\"harmonic\"",
    "\"eigenbasis\"",
    "\"superposition\"",
    "1e-300",
];

/// Validates `text` as a spin deck, as a Schrödinger deck (with its box and
/// resolution) and as a diabatic-fit deck.
fn check(text: &str) -> Result<(), TestCaseError> {
    let Ok(deck) = Deck::from_str(text, "fuzz.toml") else {
        return Ok(());
    };
    let outcomes = [
        deck.problem().map(|_| ()),
        deck.schrodinger()
            .and_then(|p| p.spec.discretization().map(|_| ())),
        deck.diabatic_fit().map(|_| ()),
    ];
    for e in outcomes.into_iter().filter_map(|o| o.err()) {
        let message = e.to_string();
        prop_assert!(!message.is_empty());
        prop_assert!(!message.contains('\n'), "multi-line message: {message}");
    }
    Ok(())
}

/// Applies `edits` (position, kind, token) to `text`.
fn mutate(text: &str, edits: &[(usize, u8, usize)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(pos, kind, token) in edits {
        let at = if chars.is_empty() {
            0
        } else {
            pos % (chars.len() + 1)
        };
        let token: Vec<char> = TOKENS[token % TOKENS.len()].chars().collect();
        match kind % 4 {
            0 => {
                chars.splice(at..at, token);
            }
            1 => {
                let end = (at + 1 + pos % 7).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            2 => {
                let end = (at + token.len()).min(chars.len());
                chars.splice(at.min(end)..end, token);
            }
            _ => {
                // Duplicate a line.
                let line: String = text
                    .lines()
                    .nth(pos % text.lines().count().max(1))
                    .unwrap_or("")
                    .into();
                chars.splice(at..at, line.chars().chain(std::iter::once('\n')));
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        check(&text)?;
    }

    #[test]
    fn mutated_decks_never_panic(
        deck in 0usize..16,
        edits in prop::collection::vec((0usize..4000, any::<u8>(), 0usize..1000), 1..6),
    ) {
        let decks = shipped_decks();
        let text = mutate(&decks[deck % decks.len()], &edits);
        check(&text)?;
    }

    #[test]
    fn random_overrides_never_panic(
        deck in 0usize..16,
        key in prop::sample::select(vec![
            "system.size", "system.total_sz", "system.lattice", "hamiltonian.model",
            "hamiltonian.J", "ansatz.alpha", "ansatz.kind", "sampler.samples", "sampler.chains",
            "optimizer.kind", "optimizer.learning_rate", "vmc.iterations", "output.checkpoint_every",
            "seed", "exact.n_states", "nonsense.key", "system", "a..b", ".",
            "times", "method", "initial.sigma", "initial.p0", "initial.x0", "initial.kind",
            "domain.start", "basis.points", "basis.kind", "potential.kind", "potential.omega",
            "split_operator.dt", "pinn.width", "units.mass",
        ]),
        value in prop::sample::select(TOKENS.to_vec()),
    ) {
        let decks = shipped_decks();
        let mut d = Deck::from_str(&decks[deck % decks.len()], "fuzz.toml").unwrap();
        if let Err(e) = d.set_assignment(&format!("{key}={value}")) {
            let message = e.to_string();
            prop_assert!(!message.is_empty() && !message.contains('\n'), "{message}");
        } else {
            check(&d.to_toml())?;
        }
    }
}

/// The mutations must mostly produce valid TOML, so that they exercise the deck
/// validators and not just the TOML parser.
#[test]
fn mutations_reach_the_validators() {
    use rand::{RngExt, SeedableRng};
    let decks = shipped_decks();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(99);
    let (mut syntax, mut invalid, mut valid) = (0, 0, 0);
    for _ in 0..4000 {
        let deck = &decks[rng.random_range(0..decks.len())];
        let edits: Vec<(usize, u8, usize)> = (0..rng.random_range(1..4))
            .map(|_| {
                (
                    rng.random_range(0..4000),
                    rng.random(),
                    rng.random_range(0..1000),
                )
            })
            .collect();
        match Deck::from_str(&mutate(deck, &edits), "fuzz.toml") {
            Err(_) => syntax += 1,
            Ok(d) => match if d.table.contains_key("initial") {
                d.schrodinger()
                    .and_then(|p| p.spec.discretization().map(|_| ()))
            } else if d.table.contains_key("data") {
                d.diabatic_fit().map(|_| ())
            } else {
                d.problem().map(|_| ())
            } {
                Err(e) => {
                    assert!(!e.to_string().contains('\n'));
                    invalid += 1
                }
                Ok(_) => valid += 1,
            },
        }
    }
    eprintln!(
        "mutated decks: {syntax} syntax errors, {invalid} rejected by validation, {valid} valid"
    );
    assert!(
        invalid + valid >= 1000,
        "too few mutations parse: {syntax} syntax errors of 4000"
    );
    assert!(
        invalid >= 200,
        "too few mutations reach validation errors: {invalid}"
    );
}
