package io.lockwarden.scan;

/**
 * A file the scanner could not analyse (it does not parse, cannot be read, or is a symlink leaving the
 * tree). Notices are reported but never fail a scan: the other files are still analysed.
 *
 * @param path    the file, displayed like {@link Finding#path()}
 * @param line    1-based line of the problem, 0 when unknown
 * @param message what went wrong
 */
public record Notice(String path, int line, String message) {
}
