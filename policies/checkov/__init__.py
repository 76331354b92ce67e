"""Custom checkov policies of this project (loaded with --external-checks-dir)."""
