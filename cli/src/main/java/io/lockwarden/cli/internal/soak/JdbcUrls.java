package io.lockwarden.cli.internal.soak;

/** Shows JDBC URLs without their secrets, for every command's messages and reports. Stateless. */
public final class JdbcUrls {
    private static final String GUARDED = "jdbc:lockwarden:postgresql:";

    private JdbcUrls() {
    }

    /** Whether the URL goes through Lockwarden's guard driver ({@code jdbc:lockwarden:postgresql:...}). */
    public static boolean guarded(String url) {
        return url != null && url.startsWith(GUARDED);
    }

    /** The plain pgjdbc URL behind a guard URL; any other URL unchanged. */
    public static String unguarded(String url) {
        return guarded(url) ? "jdbc:postgresql:" + url.substring(GUARDED.length()) : url;
    }

    /** The guard URL for a plain pgjdbc URL; a guard URL unchanged. */
    public static String withGuard(String url) {
        return guarded(url) ? url : "jdbc:lockwarden:" + url.substring("jdbc:".length());
    }

    /**
     * The URL with the values of {@code password} parameters (also {@code sslpassword}, up to the next
     * {@code &}) and any {@code user:password@} part replaced by {@code ***}.
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(?i)(password=)[^&]*", "$1***")
                .replaceAll("(//[^/@:]*:)[^/@]*@", "$1***@");
    }
}
