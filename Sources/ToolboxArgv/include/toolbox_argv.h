// Intentionally empty: this target only provides the two runtime entry
// points defined in argv.c (see there). SwiftPM needs a public header
// directory for a C target.
