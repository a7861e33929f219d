"""The full pack's style sheet (inline in the page; the board pack adds
:data:`ofsted_mine.report.board.BOARD_CSS`). A4 print rules at the end."""

CSS = """
:root{--ink:#1d1d1f;--muted:#5f6368;--rule:#d6d6d6;--head:#12355b;--bg-soft:#f5f6f8;
--c:#b2182b;--c-ink:#7a0f1d;--m:#f0b44c;--m-ink:#6b4000;--s:#cfe8c9;--s-ink:#1f4d1a}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-family:"Segoe UI","Helvetica Neue",Helvetica,Arial,"Liberation Sans",sans-serif;color:var(--ink);
font-size:13.5px;line-height:1.42;max-width:1120px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:24px;margin:0 0 2px;color:var(--head);letter-spacing:-.2px}
h2{font-size:18px;color:var(--head);border-bottom:2px solid var(--head);padding-bottom:3px;margin:26px 0 10px}
h3{font-size:14.5px;margin:16px 0 6px;color:var(--head)}
h4{font-size:13px;margin:10px 0 4px}
a{color:#1a5490}
.sub{font-weight:400;color:var(--muted);font-size:.92em}
.small{font-size:11px;color:var(--muted)}
.note{font-size:12px;color:var(--muted);margin:6px 0}
.none{color:var(--muted);font-style:italic}
header.pack{border-bottom:4px solid var(--head);padding-bottom:8px;margin-bottom:6px}
header.pack .kicker{text-transform:uppercase;letter-spacing:1.2px;font-size:11px;color:var(--muted);
font-weight:600}
header.pack .meta{font-size:12px;color:var(--muted)}
nav.toc{font-size:12px;columns:3;column-gap:22px;margin:8px 0 0;padding:8px 12px;background:var(--bg-soft);
border-radius:4px}
nav.toc a{text-decoration:none}
nav.toc div{break-inside:avoid;margin:0}
nav.toc a{display:inline-block;padding:4px 0;min-height:24px}
table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:12px}
th,td{border-bottom:1px solid var(--rule);padding:3px 6px;text-align:left;vertical-align:top}
thead th{background:var(--bg-soft);border-bottom:1.5px solid #9aa3ad;font-weight:600}
td.num,th.num{text-align:right}
.vid{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:10px;color:var(--muted)}
.chip,.trend,.grade{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;line-height:16px;
font-weight:600;white-space:nowrap;border:1px solid transparent}
.v-concern{background:var(--c);color:#fff;border-color:var(--c-ink)}
.v-mixed{background:repeating-linear-gradient(45deg,#f0b44c 0 3px,#f7d391 3px 6px);color:var(--m-ink);
border-color:#b07a14}
.v-strength{background:var(--s);color:var(--s-ink);border-color:#6aa862}
.v-neutral{background:#e8e8e8;color:#444;border-color:#bdbdbd}
.v-mostly_strength{background:#e4f2e0;color:var(--s-ink);border-color:#6aa862}
.v-too_little{background:#fff;color:#444;border:1px solid #9a9a9a;font-weight:400;font-style:italic}
.t-steady{background:#f3f3f3;color:#444;border-color:#bdbdbd}
.v-not_examined{background:#fff;color:#595959;border:1px dashed #9a9a9a;font-weight:400}
.v-examined_silent{background:#fff;color:#555;border:1px dotted #555;font-weight:400}
.t-persistent,.t-deteriorating{background:var(--c);color:#fff}
.t-emerging{background:#fff;color:var(--c-ink);border-color:var(--c);border-width:1.5px}
.t-improving{background:#fff4d6;color:var(--m-ink);border-color:#d39a2b}
.t-resolved,.t-consistent_strength{background:var(--s);color:var(--s-ink);border-color:#6aa862}
.t-not_enough_evidence{background:#fff;color:#666;border:1px dashed #999;font-weight:400}
.g-inadequate{background:var(--c);color:#fff}
.g-requires-improvement,.g-requires-improvement-to-be-good{background:#f7d391;color:var(--m-ink);
border-color:#b07a14}
.g-good,.g-outstanding{background:var(--s);color:var(--s-ink);border-color:#6aa862}
.g-not-judged,.g-adequate{background:#eee;color:#444}
.journey{font-size:12.5px;background:var(--bg-soft);padding:7px 10px;border-left:4px solid var(--head);
margin:6px 0 4px}
.journey .step{white-space:nowrap;padding:0 4px;border-radius:3px;border:1px solid transparent}
.journey .arrow{color:var(--muted)}
.journey .j-serious,.journey .j-slow{border-color:var(--c);color:var(--c-ink);font-weight:600}
.journey .j-some{border-color:#d39a2b;color:var(--m-ink)}
.journey .j-good{border-color:#6aa862;color:var(--s-ink);font-weight:600}
table.judgements{width:auto;min-width:60%}
.nw{white-space:nowrap}
table.outlook th{width:27%;border-left:6px solid #999;background:var(--bg-soft);font-weight:600}
table.outlook td{font-size:12.5px}
table.outlook .count{float:right;color:var(--muted);font-weight:400;padding-left:6px}
table.outlook .tag-t{color:var(--muted);font-size:10.5px}
table.outlook a{color:var(--ink);text-decoration:none;border-bottom:1px dotted #999}
tr.b-persistent th{border-left:6px solid var(--c)}
tr.b-emerging th{border-left:6px double var(--c)}
tr.b-improving th{border-left:6px solid #e0a030}
tr.b-resolved th{border-left:6px solid #5aa050}
tr.b-not_examined th{border-left:6px solid #bdbdbd}
table.grid{font-size:11px}
table.grid th{text-align:center;font-size:10.5px;line-height:1.2}
table.grid th.tn,table.grid td.tn{text-align:left;width:30%}
table.grid td.cell{text-align:center;border:1px solid #fff;padding:2px 1px;line-height:1.15}
table.grid td.cell b{display:block;font-size:11.5px}
table.grid .cnt{display:block;font-size:9px;opacity:.9}
table.grid th.out{font-style:italic;background:#e4e7eb}
table.grid td.out{outline:1px dashed #5f6368;outline-offset:-3px}
table.grid tr.grp td{background:var(--head);color:#fff;font-weight:600;font-size:11px;padding:2px 6px}
table.areas th{width:14%;white-space:nowrap}
table.areas ul{margin:0;padding-left:16px}
.theme h2 .grp-label{display:block;font-size:11px;text-transform:uppercase;letter-spacing:1px;
color:var(--muted);font-weight:600}
.theme h2 .trend{font-size:12px;vertical-align:middle;margin-left:6px}
.chart-row{display:flex;gap:18px;align-items:flex-start;margin:4px 0}
.chart-box{flex:0 0 auto;max-width:64%}
.chart-box svg{max-width:100%;height:auto;font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:3px 10px;margin:4px 0;font-size:12px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.spark{font-family:"DejaVu Sans Mono",Consolas,monospace;letter-spacing:2px}
table.verdicts{font-size:10.5px;table-layout:fixed}
table.verdicts th:first-child{width:92px}
table.verdicts td,table.verdicts th{text-align:center;padding:2px}
table.verdicts tbody th{text-align:left;font-weight:600;background:var(--bg-soft)}
table.verdicts .chip{font-size:9.5px;padding:0 3px;white-space:normal;line-height:12px}
table.verdicts .out{font-style:italic;background:#e4e7eb}
.visit-ev{margin:6px 0 8px}
.visit-ev h4{border-bottom:1px solid var(--rule);padding-bottom:2px}
figure.quote{margin:4px 0 6px 0;padding:4px 8px 4px 10px;border-left:4px solid #bbb;background:#fafafa;
break-inside:avoid}
figure.quote.p-concern{border-left-color:var(--c)}
figure.quote.p-mixed{border-left-color:#e0a030;border-left-style:double;border-left-width:5px}
figure.quote.p-strength{border-left-color:#5aa050;border-left-style:dashed}
figure.quote .pol{float:right;font-size:10px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);
margin-left:8px}
figure.quote blockquote{margin:0;font-size:12.5px}
figure.quote blockquote::before{content:"“"}
figure.quote blockquote::after{content:"”"}
figure.quote figcaption{font-size:10.5px;color:var(--muted);margin-top:2px}
table.matrix{font-size:11px}
table.matrix td.item{width:38%}
table.matrix th{text-align:center}
table.matrix td{text-align:center}
table.matrix td.item{text-align:left}
table.matrix .chip{font-size:9.5px;white-space:normal;line-height:12px;padding:0 3px}
table.matrix .cnt{display:block;font-size:9px;color:var(--muted)}
table.matrix td.na{background:repeating-linear-gradient(45deg,#fff 0 4px,#f0f0f0 4px 8px)}
.rec{margin:8px 0 10px}
ul.pending{margin:4px 0;padding-left:18px;font-size:12px}
ul.pending li{margin:3px 0;break-inside:avoid}
.rec h4{font-size:12.5px}
.fu-visit{margin:4px 0 2px;font-size:12px}
.fu-label{font-weight:600}
footer.method{margin-top:28px;border-top:1px solid var(--rule);padding-top:8px;font-size:11px;
color:var(--muted)}
@page{size:A4;margin:13mm 12mm 15mm 12mm;
@bottom-right{content:"page " counter(page) " of " counter(pages);font-size:8pt;color:#777}}
@media print{
body{font-size:9.6pt;max-width:none;padding:0;margin:0}
h1{font-size:17pt}
h2{font-size:13pt;margin-top:0}
h3{font-size:11pt;margin:10px 0 4px}
.journey{font-size:9pt}
nav.toc{display:none}
a{color:inherit;text-decoration:none}
.summary h2{margin-top:6px}
.grid-section,.followup,.appendix{break-before:page}
.theme{break-before:auto}
table.visits .vid{display:none}
tr,figure.quote,.chart-row,dl.facts,.rec h4,.fu-visit,ul.pending li{break-inside:avoid}
h2,h3,h4,.fu-visit{break-after:avoid}
thead{display:table-header-group}
table{font-size:8.6pt}
th,td{padding:2px 5px}
table.grid{font-size:8pt}
table.outlook td{font-size:9pt}
figure.quote{background:none}
figure.quote blockquote{font-size:9.4pt}
}
"""
