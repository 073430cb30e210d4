/// A 5x7 bitmap font with just what plots need: digits, "P", "C" (cluster numbers and axis names).
enum BitmapText {
    /// Seven rows of five pixels per glyph, "#" = ink.
    static let glyphs: [Character: [String]] = [
        "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
        "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
        "3": ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
        "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
        "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        "6": ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
        "9": [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
        "P": ["#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "],
        "C": [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "],
        "-": ["     ", "     ", "     ", "#####", "     ", "     ", "     "],
    ]
    static let ink = RGBColor(0, 0, 0)
    static let haloColor = RGBColor(255, 255, 255)

    /// Draws `text` centred on (centerX, centerY), each font pixel `scale` x `scale`, one blank column between
    /// glyphs; with `halo`, a white outline first so the text reads over coloured points. Unknown characters are
    /// drawn as blanks.
    static func draw(_ text: String, on canvas: inout RGBCanvas, centerX: Int, centerY: Int, scale: Int,
                     halo: Bool = false) {
        let chars = Array(text)
        let w = (chars.count * 6 - 1) * scale, h = 7 * scale
        let x0 = centerX - w / 2, y0 = centerY - h / 2
        for (n, ch) in chars.enumerated() {
            stamp(ch, on: &canvas, x: x0 + n * 6 * scale, y: y0, scale: scale, halo: halo)
        }
    }

    /// Draws `text` top to bottom, one glyph under the other (for the vertical axis name).
    static func drawVertical(_ text: String, on canvas: inout RGBCanvas, centerX: Int, centerY: Int, scale: Int) {
        let chars = Array(text)
        let h = (chars.count * 8 - 1) * scale
        for (n, ch) in chars.enumerated() {
            stamp(ch, on: &canvas, x: centerX - 5 * scale / 2, y: centerY - h / 2 + n * 8 * scale, scale: scale,
                  halo: false)
        }
    }

    private static func stamp(_ ch: Character, on canvas: inout RGBCanvas, x: Int, y: Int, scale: Int, halo: Bool) {
        guard let rows = glyphs[ch] else { return }
        let cells = rows.enumerated().flatMap { r, row in
            row.enumerated().compactMap { c, mark in mark == "#" ? (c, r) : nil }
        }
        if halo {
            for (c, r) in cells {
                canvas.fillRect(x: x + c * scale - scale, y: y + r * scale - scale, width: 3 * scale,
                                height: 3 * scale, haloColor)
            }
        }
        for (c, r) in cells { canvas.fillRect(x: x + c * scale, y: y + r * scale, width: scale, height: scale, ink) }
    }
}
