//! Face capture, detection, quality gates and liveness.
