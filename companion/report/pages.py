"""Print a laid-out QTextDocument to PDF bytes page by page, never with a trailing page
that shows nothing (what QTextDocument.print_() can add): used by the clinician summary
(`companion.report.pdf`)."""

from __future__ import annotations

import math

from companion.qt.core import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    QSizeF,
    Qt,
)
from companion.qt.gui import (
    QAbstractTextDocumentLayout,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
)


def print_pages(doc: QTextDocument) -> bytes:
    """`doc` as a PDF: A4, 15 mm page margins plus a 2 cm frame, the page number in the
    bottom margin (the layout QTextDocument.print_() used), and only the pages that show
    something.

    Why not print_(): it prints pageCount() pages, the laid-out height over the page height
    rounded up, and that height also counts what prints nothing: the frame's bottom margin,
    a final table's bottom margin, the empty paragraph Qt adds after a final table. When
    only those cross a page boundary, print_() adds a trailing page that shows nothing but
    its number. Here the pages are cut from one layout, and the last one printed is the
    page of the last line that shows something (`_pages_shown`).
    `doc` is laid out for the writer (it keeps that layout). RuntimeError when Qt cannot
    write.
    """
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle("Companion: exercise summary for a clinician")
    writer.setCreator("Companion")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    painter = QPainter(writer)
    if not painter.isActive():
        raise RuntimeError("Qt cannot write the PDF")
    try:
        _paint_pages(doc, writer, painter)
    finally:
        painter.end()  # ends the PDF (writes the trailer into the buffer)
    del writer
    buffer.close()
    out = bytes(array.data())
    if not out.startswith(b"%PDF"):
        raise RuntimeError("Qt wrote no PDF")
    return out


def _frame_margin() -> int:
    """2 cm in layout pixels, as print_() sets it. The layout scales pixel lengths (this
    margin, the chart's width, CSS margins) from the screen's dots per inch to the writer's,
    as Qt's qt_defaultDpi() reads them: the primary screen's, rounded, 100 without one."""
    screen = QGuiApplication.primaryScreen()
    dpi = round(screen.logicalDotsPerInchY()) if screen is not None else 100
    return int(2 / 2.54 * dpi)


def _paint_pages(doc: QTextDocument, writer: QPdfWriter, painter: QPainter) -> None:
    """Lay `doc` out on the writer's pages and paint the ones that show something, each
    with "Page n of m" at the bottom right, where print_() put its number."""
    layout = doc.documentLayout()
    # laid out in the writer's pixels, from the document's points: 9 pt prints as 9 pt
    layout.setPaintDevice(writer)
    margin = _frame_margin()
    frame = doc.rootFrame().frameFormat()
    frame.setLeftMargin(margin)
    frame.setRightMargin(margin)
    frame.setTopMargin(margin)
    frame.setBottomMargin(margin)
    doc.rootFrame().setFrameFormat(frame)
    width, height = float(writer.width()), float(writer.height())
    doc.setPageSize(QSizeF(width, height))
    pages = _pages_shown(doc, height)
    dpi = writer.logicalDpiY()
    frame_px = 2 / 2.54 * dpi  # the 2 cm frame in the writer's pixels
    font = QFont(doc.defaultFont())
    for index in range(pages):
        if index and not writer.newPage():
            raise RuntimeError("Qt cannot add a page to the PDF")
        view = QRectF(0, index * height, width, height)
        painter.save()
        painter.translate(0, -view.top())
        painter.setClipRect(view)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = view
        # black text whatever the system palette (some make the default text white)
        context.palette.setColor(QPalette.ColorRole.Text, Qt.GlobalColor.black)
        layout.draw(painter, context)
        painter.restore()
        painter.setFont(font)
        number = f"Page {index + 1} of {pages}"
        baseline = height - frame_px + painter.fontMetrics().ascent() + 5 * dpi / 72
        painter.drawText(QPointF(width - frame_px - painter.fontMetrics().horizontalAdvance(
            number), baseline), number)


def _shows(block: QTextBlock) -> bool:
    """Whether a block prints something: text or an image, a list bullet, a table cell's
    border. The empty paragraph after a final table prints nothing."""
    return (bool(block.text().strip()) or block.textList() is not None
            or QTextCursor(block).currentTable() is not None)


def _pages_shown(doc: QTextDocument, page_height: float) -> int:
    """How many pages of the (paginated) layout show something: the page of the lowest
    line that does (`_shows`), 1 at least, never more than Qt's pageCount()."""
    layout = doc.documentLayout()
    bottom = 0.0
    block = doc.firstBlock()
    while block.isValid():
        if _shows(block):
            top = layout.blockBoundingRect(block).top()
            lines = block.layout()
            for i in range(lines.lineCount()):
                line = lines.lineAt(i)
                bottom = max(bottom, top + line.y() + line.height())
        block = block.next()
    return max(1, min(doc.pageCount(), math.ceil(bottom / page_height)))
