package dev.nextinfer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws decode tokens/s against context depth as a PNG from {@code bench --json} lines (one series per weights and
 * KV cache format, plus optional reference series), and with {@code --memory mem.png} a second PNG of peak resident
 * memory and KV cache bytes (GB) against depth (reference series for it are given as {@code mem:label=d:GB,...}).
 * Pure Java (headless AWT), so the docs' plots can be regenerated anywhere.
 *
 * <pre>java -cp benchmarks.jar dev.nextinfer.bench.DepthPlot results.jsonl out.png [--memory mem.png] [label=depth:tok_s,...] [mem:label=depth:GB,...]</pre>
 */
public final class DepthPlot {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b)};

    private DepthPlot() {
    }

    /** Entry point: input JSON lines, output PNG, then reference series as {@code label=d:v,d:v}. */
    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (args.length < 2) {
            System.err.println("usage: DepthPlot results.jsonl out.png [--memory mem.png] [label=depth:tok_s,...] [mem:label=depth:GB,...]");
            System.exit(2);
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        Map<String, List<double[]>> memory = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(line);
            String kv = n.has("kv_cache") ? ", " + n.get("kv_cache").asText() + " KV" : "";
            String name = "nextinfer " + n.get("weights").asText() + kv + ", " + n.get("threads").asInt() + " threads";
            double depth = n.get("depth").asDouble();
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {depth, n.get("decode_tok_s").asDouble()});
            if (n.has("peak_rss_bytes")) {
                memory.computeIfAbsent(name + " peak RSS", k -> new ArrayList<>()).add(new double[] {depth, n.get("peak_rss_bytes").asDouble() / 1e9});
            }
            if (n.has("kv_bytes")) {
                memory.computeIfAbsent(name + " KV cache", k -> new ArrayList<>()).add(new double[] {depth, n.get("kv_bytes").asDouble() / 1e9});
            }
        }
        String memoryOut = null;
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--memory")) {
                memoryOut = args[++i];
                continue;
            }
            boolean mem = args[i].startsWith("mem:");
            String[] kv = (mem ? args[i].substring(4) : args[i]).split("=", 2);
            List<double[]> pts = new ArrayList<>();
            for (String p : kv[1].split(",")) {
                String[] xy = p.split(":");
                pts.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
            }
            (mem ? memory : series).put(kv[0], pts);
        }
        ImageIO.write(draw(series, "decode tokens/s — a3b-e32 shapes"), "png", Path.of(args[1]).toFile());
        if (memoryOut != null) {
            ImageIO.write(draw(memory, "memory (GB) — peak resident set and KV cache bytes"), "png", Path.of(memoryOut).toFile());
        }
    }

    static BufferedImage draw(Map<String, List<double[]>> series) {
        return draw(series, "decode tokens/s — a3b-e32 shapes, 2 threads");
    }

    static BufferedImage draw(Map<String, List<double[]>> series, String title) {
        int w = 900;
        int h = 520;
        int left = 70;
        int right = 30;
        int top = 40;
        int bottom = 60;
        double maxX = 1;
        double maxY = 1;
        for (List<double[]> pts : series.values()) {
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            for (double[] p : pts) {
                maxX = Math.max(maxX, p[0]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        maxY = Math.ceil(maxY * 1.15);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = top + ph - i * ph / 5;
            g.drawLine(left, y, left + pw, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 5; i++) {
            int y = top + ph - i * ph / 5;
            g.drawString(String.format("%.1f", maxY * i / 5), 20, y + 5);
            int x = left + i * pw / 5;
            g.drawString(String.format("%.0f", maxX * i / 5), x - 15, top + ph + 20);
        }
        g.drawString("context depth (tokens already in the cache)", left + pw / 2 - 130, h - 15);
        g.drawString(title, left, 25);
        int s = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            g.setColor(COLORS[s % COLORS.length]);
            g.setStroke(new BasicStroke(e.getKey().startsWith("nextinfer") ? 2.5f : 1.5f,
                    BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f,
                    e.getKey().startsWith("nextinfer") ? null : new float[] {6f, 5f}, 0f));
            int[] xs = new int[e.getValue().size()];
            int[] ys = new int[xs.length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = left + (int) Math.round(e.getValue().get(i)[0] / maxX * pw);
                ys[i] = top + ph - (int) Math.round(e.getValue().get(i)[1] / maxY * ph);
                g.fillOval(xs[i] - 4, ys[i] - 4, 8, 8);
            }
            g.drawPolyline(xs, ys, xs.length);
            g.drawString(e.getKey(), left + pw - 420, top + 20 + 18 * s);
            s++;
        }
        g.dispose();
        return img;
    }
}
