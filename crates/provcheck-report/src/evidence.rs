use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The evidence behind a finding: named facts (hashes, a diff, the rule that explained it).
///
/// A JSON object so that each finding code can carry what it needs while the envelope
/// stays stable. Keys in use are documented per code in `docs/findings.md`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Evidence(Map<String, Value>);

impl Evidence {
    /// Empty evidence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one named fact.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    /// Adds one named fact in place.
    pub fn insert(&mut self, key: &str, value: impl Into<Value>) {
        self.0.insert(key.to_owned(), value.into());
    }

    /// Looks one fact up.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A fact as a string, when it is one.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// Whether there is no fact at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The facts in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }
}
