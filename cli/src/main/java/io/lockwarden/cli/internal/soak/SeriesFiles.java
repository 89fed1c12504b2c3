package io.lockwarden.cli.internal.soak;

import io.lockwarden.cli.internal.OutputFile;
import io.lockwarden.cli.internal.OutputFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes a soak time series as {@code soak.csv} and an SVG chart {@code soak.svg} of held and waiting locks. */
public final class SeriesFiles {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 320;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 40;

    private SeriesFiles() {
    }

    /**
     * Writes both files into {@code dir} (created if missing), through {@link OutputFile}'s rules (a
     * {@code soak.csv} that is a link or a FIFO is written through, not replaced).
     *
     * @return the two paths written
     * @throws IOException         when the directory cannot be created
     * @throws OutputFileException when a file cannot be written
     */
    public static List<Path> write(Path dir, String title, List<Sample> samples) throws IOException {
        Files.createDirectories(dir);
        Path csv = dir.resolve("soak.csv");
        Path svg = dir.resolve("soak.svg");
        OutputFile.write(csv, csv(samples));
        OutputFile.write(svg, svg(title, samples));
        return List.of(csv, svg);
    }

    /** The CSV text: header {@code seconds,held,waiting,orphaned,units,violations,faults}, one row per sample. */
    public static String csv(List<Sample> samples) {
        StringBuilder s = new StringBuilder("seconds,held,waiting,orphaned,units,violations,faults\n");
        for (Sample p : samples) {
            s.append(String.format(Locale.ROOT, "%.1f,%d,%d,%d,%d,%d,%d%n", p.seconds(), p.held(), p.waiting(), p.orphaned(), p.units(),
                    p.violations(), p.faults()));
        }
        return s.toString();
    }

    /** A self-contained SVG line chart of held (red) and waiting (blue) locks over time. */
    public static String svg(String title, List<Sample> samples) {
        double maxT = 1;
        int maxY = 1;
        for (Sample p : samples) {
            maxT = Math.max(maxT, p.seconds());
            maxY = Math.max(maxY, Math.max(p.held(), p.waiting()));
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                LEFT, TOP + plotH, LEFT + plotW, TOP + plotH));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                LEFT, TOP, LEFT, TOP + plotH));
        for (int i = 0; i <= 4; i++) {
            double v = maxY * i / 4.0;
            double y = TOP + plotH - plotH * i / 4.0;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n", LEFT - 6, y + 4, v));
            double t = maxT * i / 4.0;
            double x = LEFT + plotW * i / 4.0;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f s</text>%n",
                    x, TOP + plotH + 18, t));
        }
        s.append(polyline(samples, true, maxT, maxY, plotW, plotH, "#d62728"));
        s.append(polyline(samples, false, maxT, maxY, plotW, plotH, "#1f77b4"));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"34\" fill=\"#d62728\">held</text>%n", WIDTH - 150));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"34\" fill=\"#1f77b4\">waiting</text>%n", WIDTH - 100));
        s.append("</svg>\n");
        return s.toString();
    }

    private static String polyline(List<Sample> samples, boolean held, double maxT, int maxY, int plotW, int plotH,
                                   String colour) {
        StringBuilder points = new StringBuilder();
        for (Sample p : samples) {
            double x = LEFT + plotW * p.seconds() / maxT;
            double y = TOP + plotH - plotH * (double) (held ? p.held() : p.waiting()) / maxY;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                colour, points.toString().strip());
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
