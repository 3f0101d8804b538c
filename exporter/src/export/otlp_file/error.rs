//! Errors of the OTLP/JSON file output: one [`FileError`] for opening,
//! rotating, encoding and writing a JSON-lines file.

use std::path::PathBuf;

use thiserror::Error;

/// A JSON-lines file could not be opened, rotated or written.
#[derive(Debug, Error)]
pub enum FileError {
    /// The file (or its parent directory) could not be created or opened.
    #[error("cannot open {path:?}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The full file could not be renamed to its `.1` backup.
    #[error("cannot rotate {path:?}: {source}")]
    Rotate {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line could not be written (disk full, file removed, I/O error).
    #[error("cannot write to {path:?}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The request could not be encoded as OTLP/JSON.
    #[error("cannot encode the OTLP/JSON request: {0}")]
    Encode(#[from] serde_json::Error),
    /// The exporter was already shut down.
    #[error("the file exporter is shut down")]
    ShutDown,
}

impl From<FileError> for opentelemetry_sdk::error::OTelSdkError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::ShutDown => Self::AlreadyShutdown,
            other => Self::InternalFailure(other.to_string()),
        }
    }
}
