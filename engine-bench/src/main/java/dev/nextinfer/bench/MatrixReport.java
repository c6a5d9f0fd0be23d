package dev.nextinfer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.kernels.MatrixFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH JSON results ({@code -rf json}) of {@link MatVecBench}, {@link MatMulBench} and {@link BandwidthBench}
 * into the markdown tables of {@code docs/performance.md}: GB/s of weights streamed and their share of the read
 * bandwidth for mat-vec, GFLOP/s for mat-mat. Each rate is given for the mean time and for the best measurement
 * iteration: on a shared machine the best iteration is the one least disturbed by other processes. When several
 * files hold the same mat-vec configuration, the run with the best iteration is reported (with the stream
 * yardstick of that same run) and the "runs" column says how many there were.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.nextinfer.bench.MatrixReport result.json [more.json ...]}
 */
public final class MatrixReport {
    /** Read bandwidth quoted for this machine (GB/s) by thread count, used when no BandwidthBench ran. */
    private static final Map<Integer, Double> QUOTED_BW = Map.of(1, 17.6, 2, 25.0);

    private MatrixReport() {
    }

    /** Prints the tables for the given result files. */
    public static void main(String[] args) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder matVec = new StringBuilder();
        StringBuilder matMul = new StringBuilder();
        StringBuilder bw = new StringBuilder();
        // format|shape|threads → file index → {matVec, stream} of that file
        Map<String, Map<Integer, JsonNode[]>> matVecRuns = new java.util.TreeMap<>();
        for (String a : args) {
            for (JsonNode r : json.readTree(Path.of(a).toFile())) {
                if (r.get("benchmark").asText().endsWith("BandwidthBench.read")) {
                    int threads = r.get("params").get("threads").asInt();
                    double s = seconds(r);
                    double gbs = BandwidthBench.BYTES / s / 1e9;
                    double best = BandwidthBench.BYTES / best(r) / 1e9;
                    bw.append(String.format(Locale.ROOT, "| %d | %.1f ± %.1f | %s | %.1f | %.1f |%n", threads, s * 1e3,
                            error(r) * 1e3, range(r, 1e3), gbs, best));
                }
            }
        }
        for (int file = 0; file < args.length; file++) {
            for (JsonNode r : json.readTree(Path.of(args[file]).toFile())) {
                String bench = r.get("benchmark").asText();
                JsonNode p = r.get("params");
                if (bench.endsWith("MatVecBench.matVec") || bench.endsWith("MatVecBench.stream")) {
                    String key = p.get("format").asText() + "|" + p.get("shape").asText() + "|" + p.get("threads").asText();
                    JsonNode[] pair = matVecRuns.computeIfAbsent(key, k -> new java.util.TreeMap<>())
                            .computeIfAbsent(file, k -> new JsonNode[2]);
                    pair[bench.endsWith("matVec") ? 0 : 1] = r;
                } else if (bench.endsWith("MatMulBench.matMul")) {
                    MatrixFormat f = MatrixFormat.valueOf(p.get("format").asText());
                    BenchMatrices.Shape shape = BenchMatrices.Shape.parse(p.get("shape").asText());
                    int n = p.get("n").asInt();
                    int threads = p.get("threads").asInt();
                    double s = seconds(r);
                    double flops = 2.0 * shape.rows * shape.cols * n;
                    matMul.append(String.format(Locale.ROOT, "| %s | %d×%d · %d rows | %d | %.2f ± %.2f | %s | %.1f | %.1f |%n",
                            f, shape.rows, shape.cols, n, threads, s * 1e3, error(r) * 1e3, range(r, 1e3), flops / s / 1e9,
                            flops / best(r) / 1e9));
                }
            }
        }
        for (Map<Integer, JsonNode[]> runs : matVecRuns.values()) {
            // several result files may hold the same configuration: report the run with the best iteration
            JsonNode[] pair = null;
            for (JsonNode[] candidate : runs.values()) {
                if (candidate[0] != null && (pair == null || best(candidate[0]) < best(pair[0]))) {
                    pair = candidate;
                }
            }
            if (pair == null) {
                continue;
            }
            JsonNode p = pair[0].get("params");
            MatrixFormat f = MatrixFormat.valueOf(p.get("format").asText());
            BenchMatrices.Shape shape = BenchMatrices.Shape.parse(p.get("shape").asText());
            int threads = p.get("threads").asInt();
            long bytes = BenchMatrices.weightBytes(f, shape.rows, shape.cols);
            double s = seconds(pair[0]);
            double best = bytes / best(pair[0]) / 1e9;
            String stream = "–";
            String ofStream = "–";
            if (pair[1] != null) {
                double streamBest = bytes / best(pair[1]) / 1e9;
                stream = String.format(Locale.ROOT, "%.1f", streamBest);
                ofStream = String.format(Locale.ROOT, "%.0f%%", 100 * best / streamBest);
            }
            Double quoted = QUOTED_BW.get(threads);
            matVec.append(String.format(Locale.ROOT, "| %s | %s %d×%d | %d | %d | %.1f ± %.1f | %s | %.1f | %.1f | %s | %s | %s |%n",
                    f, shape.name().toLowerCase(Locale.ROOT), shape.rows, shape.cols, threads, runs.size(), s * 1e6,
                    error(pair[0]) * 1e6, range(pair[0], 1e6), bytes / s / 1e9, best, stream, ofStream,
                    quoted == null ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * best / quoted)));
        }
        if (!bw.isEmpty()) {
            System.out.println("Read bandwidth (BandwidthBench, 1 GiB)\n");
            System.out.println("| threads | ms/op | min–max ms | GB/s (mean) | GB/s (best) |\n|---|---|---|---|---|");
            System.out.println(bw);
        }
        if (!matVec.isEmpty()) {
            System.out.println("Mat-vec (MatVecBench)\n");
            System.out.println("| format | shape | threads | runs | µs/op | min–max µs | GB/s (mean) | GB/s (best) | stream GB/s (best) | best, % of stream | best, % of quoted 17.6 / 25 GB/s |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
            System.out.println(matVec);
        }
        if (!matMul.isEmpty()) {
            System.out.println("Mat-mat (MatMulBench)\n");
            System.out.println("| format | shape | threads | ms/op | min–max ms | GFLOP/s (mean) | GFLOP/s (best) |\n|---|---|---|---|---|---|---|");
            System.out.println(matMul);
        }
    }

    /** The score in seconds per operation. */
    private static double seconds(JsonNode r) {
        return r.get("primaryMetric").get("score").asDouble() * unit(r);
    }

    /** The best (shortest) measurement iteration in seconds per operation. */
    private static double best(JsonNode r) {
        double min = Double.MAX_VALUE;
        for (JsonNode fork : r.get("primaryMetric").get("rawData")) {
            for (JsonNode v : fork) {
                min = Math.min(min, v.asDouble());
            }
        }
        return min * unit(r);
    }

    private static double error(JsonNode r) {
        double e = r.get("primaryMetric").get("scoreError").asDouble();
        return Double.isNaN(e) ? 0 : e * unit(r);
    }

    /** "min–max" over the measurement iterations, scaled from seconds by {@code scale}. */
    private static String range(JsonNode r, double scale) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (JsonNode fork : r.get("primaryMetric").get("rawData")) {
            for (JsonNode v : fork) {
                min = Math.min(min, v.asDouble());
                max = Math.max(max, v.asDouble());
            }
        }
        double u = unit(r) * scale;
        return String.format(Locale.ROOT, "%.1f–%.1f", min * u, max * u);
    }

    private static double unit(JsonNode r) {
        String u = r.get("primaryMetric").get("scoreUnit").asText();
        return switch (u) {
            case "s/op" -> 1;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> throw new IllegalArgumentException("unexpected unit " + u);
        };
    }
}
