package io.github.structnet.persistence;

import java.io.File;
import java.io.IOException;

/** A model file that cannot be read or written, with the file and what is wrong. */
public class ModelFileException extends IOException {

    private final File file;

    public ModelFileException(File file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public ModelFileException(File file, String problem) {
        this(file, problem, null);
    }

    /** The file concerned. */
    public File file() {
        return file;
    }
}
