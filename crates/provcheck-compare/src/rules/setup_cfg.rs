//! setuptools rewrites `setup.cfg` in sdists: configparser re-serialises it (`a=b` becomes
//! `a = b`, comments vanish) and adds or overrides an `[egg_info]` section (`tag_build`,
//! `tag_date`). The rule: parse both as INI; every section and key of the source must
//! survive with the same value, nothing may be added, and only `[egg_info]` may differ.

use std::collections::BTreeMap;

use provcheck_artifact::ArtifactFile;

use crate::classify::{Ctx, Outcome};

pub(super) type Ini = BTreeMap<String, BTreeMap<String, String>>;

const RULE: &str = "setup-cfg-egg-info";
const EGG_INFO_KEYS: &[&str] = &["tag_build", "tag_date", "tag_svn_revision"];

/// The sdist's `setup.cfg` differs from the source's.
pub(super) fn rewritten(ctx: &Ctx<'_>, file: &ArtifactFile, source_path: &str) -> Outcome {
    let (Some(artifact), Some(source)) = (ctx.content(file), ctx.source_content(source_path))
    else {
        return ctx.modified(file, source_path, None);
    };
    let artifact = parse(&String::from_utf8_lossy(&artifact));
    let source = parse(&String::from_utf8_lossy(&source));
    match differences(&source, &artifact) {
        None => Outcome::generated(
            file,
            RULE,
            "setup.cfg re-serialised by setuptools; every source section and key is unchanged, only [egg_info] differs",
        )
        .with_source(source_path),
        Some(reason) => ctx.modified(file, source_path, Some(&reason)),
    }
}

/// The sdist has a `setup.cfg` the source does not: setuptools writes one holding only
/// `[egg_info]` when the project has none.
pub(super) fn added(ctx: &Ctx<'_>, file: &ArtifactFile) -> Option<Outcome> {
    let content = ctx.content(file)?;
    let ini = parse(&String::from_utf8_lossy(&content));
    let only_egg_info = ini.keys().all(|section| section == "egg_info")
        && ini
            .get("egg_info")
            .is_some_and(|keys| keys.keys().all(|k| EGG_INFO_KEYS.contains(&k.as_str())));
    only_egg_info.then(|| {
        Outcome::generated(
            file,
            RULE,
            "setup.cfg written by setuptools with only an [egg_info] section",
        )
    })
}

/// Why `artifact` is not `source` plus an `[egg_info]` section, or `None`.
fn differences(source: &Ini, artifact: &Ini) -> Option<String> {
    for (section, keys) in source {
        if section == "egg_info" {
            continue;
        }
        let Some(shipped) = artifact.get(section) else {
            return Some(format!("section [{section}] was removed"));
        };
        for (key, value) in keys {
            match shipped.get(key) {
                None => return Some(format!("[{section}] {key} was removed")),
                Some(v) if v != value => return Some(format!("[{section}] {key} was changed")),
                Some(_) => {}
            }
        }
        if let Some(key) = shipped.keys().find(|k| !keys.contains_key(*k)) {
            return Some(format!("[{section}] {key} was added"));
        }
    }
    if let Some(section) = artifact
        .keys()
        .find(|s| *s != "egg_info" && !source.contains_key(*s))
    {
        return Some(format!("section [{section}] was added"));
    }
    if let Some(keys) = artifact.get("egg_info")
        && let Some(key) = keys.keys().find(|k| {
            !EGG_INFO_KEYS.contains(&k.as_str())
                && source.get("egg_info").is_none_or(|s| !s.contains_key(*k))
        })
    {
        return Some(format!("[egg_info] {key} was added"));
    }
    None
}

/// configparser's reading of an INI file: case-insensitive keys, `=` or `:`, comment lines
/// starting with `#` or `;`, indented continuation lines. Values are normalised (each line
/// trimmed, empty lines dropped) because re-serialisation changes only the layout.
pub(super) fn parse(text: &str) -> Ini {
    let mut ini = Ini::new();
    let mut section: Option<String> = None;
    let mut key: Option<String> = None;
    for raw in text.lines() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented
            && let (Some(section), Some(key)) = (&section, &key)
            && let Some(value) = ini.get_mut(section).and_then(|s| s.get_mut(key))
        {
            // Always a newline, as configparser keeps it: setuptools splits a value that
            // has one by lines, and a one-line value by `;`.
            value.push('\n');
            value.push_str(trimmed);
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let name = name.trim().to_owned();
            ini.entry(name.clone()).or_default();
            section = Some(name);
            key = None;
            continue;
        }
        let Some(section_name) = &section else {
            continue;
        };
        let split = trimmed.find(['=', ':']);
        let (k, v) = match split {
            Some(at) => (trimmed[..at].trim(), trimmed[at + 1..].trim()),
            None => (trimmed, ""),
        };
        let k = k.to_lowercase();
        ini.entry(section_name.clone())
            .or_default()
            .insert(k.clone(), v.to_owned());
        key = Some(k);
    }
    ini
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserialised_setup_cfg_is_equivalent() {
        let source = "[metadata]\nname=demo\nclassifiers =\n    A\n    B\n# comment\n[options]\npackages: find:\n";
        let shipped = "[metadata]\nname = demo\nclassifiers = \n\tA\n\tB\n\n[options]\npackages = find:\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n";
        assert_eq!(differences(&parse(source), &parse(shipped)), None);
    }

    #[test]
    fn a_changed_key_is_a_difference() {
        let source = "[options]\ninstall_requires =\n    requests\n";
        let shipped =
            "[options]\ninstall_requires = \n\trequests\n\tevil-dep\n[egg_info]\ntag_build =\n";
        assert_eq!(
            differences(&parse(source), &parse(shipped)).as_deref(),
            Some("[options] install_requires was changed")
        );
        let added = "[options]\ninstall_requires = requests\n[entry]\nx=1\n";
        assert!(differences(&parse(source), &parse(added)).is_some());
    }
}
