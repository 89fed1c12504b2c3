package io.lockwarden.cli.internal.demo;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One act of {@code lockwarden demo}: it sets up what it needs on the stage (an act run alone with {@code --act}
 * creates the leak it talks about), tells its part of the story and checks it through {@link DemoOutput#expect}.
 */
public interface DemoAct {
    /** The name {@code --act} takes. */
    String name();

    /** Plays the act. @throws Exception when the stage breaks (a server gone, Ctrl-C): the demo then stops */
    void play(DemoStage stage, DemoOutput out, int number) throws Exception;

    /**
     * Every act, in the order the story is told.
     *
     * @param commands  runs the lockwarden commands the acts show
     * @param pgbouncer the pgbouncer executable, or null: the PgBouncer act then says in one line that it is skipped
     */
    static List<DemoAct> all(CommandRunner commands, Path pgbouncer) {
        return List.of(new LeakAct(), new PooledLeakAct(commands, pgbouncer), new DiagnoseAct(commands),
                new WatchAct(), new PostmortemAct(commands), new FixAct());
    }

    /**
     * The pgbouncer to run: {@code given} when it is an executable file (empty when it is not), else the first
     * {@code pgbouncer} on {@code path} (Debian puts it in {@code /usr/sbin}, often not on a user's PATH).
     */
    static Optional<Path> findPgBouncer(Path given, String path) {
        return PooledLeakAct.find(given, path);
    }
}
