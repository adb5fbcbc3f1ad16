//! Placeholder: filled by the work on this topic.
