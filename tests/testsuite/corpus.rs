//! `init` against real `.cargo/config.toml` files from public projects
//! (tests/fixtures/cargo-configs, sources in its SOURCES.tsv).

use std::path::PathBuf;

use crate::support::*;

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cargo-configs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml" || e == "config"))
        .collect();
    files.sort();
    files
}

#[test]
fn init_on_every_corpus_file() {
    let files = corpus();
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let mut passed = 0;
    let mut invalid = 0;
    for file in &files {
        let env = TestEnv::new();
        let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
        let legacy = file_name.ends_with(".config");
        let relative = if legacy {
            "project/.cargo/config"
        } else {
            "project/.cargo/config.toml"
        };
        let original = std::fs::read(file).unwrap();
        let path = env.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &original).unwrap();
        let original_text = String::from_utf8(original.clone()).unwrap();
        let valid = original_text.parse::<toml_edit::DocumentMut>().is_ok();

        let out = run(env.cnbcargo().args(["init", "acme/crates"]));
        if !valid {
            invalid += 1;
            assert_failure(&out, 1);
            let err = stderr(&out);
            assert!(
                err.contains(&path.display().to_string()),
                "{file_name}: {err}"
            );
            assert!(err.contains("invalid TOML"), "{file_name}: {err}");
            assert_eq!(
                std::fs::read(&path).unwrap(),
                original,
                "{file_name} changed"
            );
            passed += 1;
            continue;
        }
        assert_success(&out);
        let edited = std::fs::read_to_string(&path).unwrap();
        assert!(
            keeps_every_line(&original_text, &edited),
            "{file_name} lost a line:\n{edited}"
        );
        assert!(
            is_byte_subsequence(&original, edited.as_bytes()),
            "{file_name} lost bytes"
        );
        let doc: toml_edit::DocumentMut = edited
            .parse()
            .unwrap_or_else(|e| panic!("{file_name}: {e}"));
        assert_eq!(
            doc["registries"]["cnb-cargo-repo"]["index"].as_str(),
            Some("sparse+https://cargo.cnb.cool/acme/crates/-/packages/"),
            "{file_name}"
        );
        assert_eq!(
            doc["registry"]["default"].as_str(),
            Some("cnb-cargo-repo"),
            "{file_name}"
        );
        let providers = doc["registry"]["global-credential-providers"]
            .as_array()
            .unwrap();
        assert!(
            providers.iter().any(|p| p.as_str() == Some("cargo:token")),
            "{file_name}"
        );
        if original_text.contains("\r\n") {
            assert!(
                !edited.replace("\r\n", "").contains('\n'),
                "{file_name}: mixed line endings"
            );
        }
        assert_eq!(
            original_text.ends_with('\n'),
            edited.ends_with('\n'),
            "{file_name}: final newline changed"
        );
        if legacy {
            assert!(!env.path().join("project/.cargo/config.toml").exists());
        }

        // A second run changes nothing and does not even rewrite the file.
        let before = inode(&path);
        let again = run(env.cnbcargo().args(["init", "acme/crates"]));
        assert_success(&again);
        assert!(
            stderr(&again).contains("already configures"),
            "{file_name}: {}",
            stderr(&again)
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            edited,
            "{file_name}"
        );
        assert_eq!(inode(&path), before, "{file_name} was rewritten");
        passed += 1;
    }
    eprintln!(
        "corpus: {passed}/{} files passed ({invalid} invalid ones refused unchanged)",
        files.len()
    );
    assert_eq!(passed, files.len());
    assert_eq!(
        invalid, 2,
        "the corpus has two invalid (Liquid template) files"
    );
}

#[cfg(unix)]
fn inode(path: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().ino()
}

#[cfg(not(unix))]
fn inode(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}
