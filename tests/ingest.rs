//! Placeholder: filled in by the ingestion work.
