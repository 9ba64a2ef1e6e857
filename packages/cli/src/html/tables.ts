import { escapeHtml } from './labels.js';

/** A column of a {@link dataTable}. */
export interface Column {
  label: string;
  /** Numbers sort as numbers and align right. */
  numeric?: boolean;
  /** Align left even when numeric (e.g. channel chips sorted by their count). */
  left?: boolean;
}

/** A cell: its HTML (already escaped) and, for sorting, the value it sorts by (its text when absent). */
export interface Cell {
  html: string;
  sort?: string | number;
}

/** A cell of plain text. */
export function text(value: string, sort?: string | number): Cell {
  return sort === undefined ? { html: escapeHtml(value) } : { html: escapeHtml(value), sort };
}

/** Options of a {@link dataTable}. */
export interface TableOptions {
  /** Header buttons sort the rows in the page (numbers descending first, text ascending first). */
  sortable?: boolean;
  /** The column the rows come sorted by, and its direction, for `aria-sort`. */
  sortedBy?: { column: number; direction: 'ascending' | 'descending' };
  /** Shown under the table (e.g. "the 200 longest waiting of 1,234"). */
  note?: string;
}

/**
 * A table of rows: `table.data[data-table=name]`. Every cell carries its column's label (`data-label`) so a
 * phone-width page lays each row out as a card instead of scrolling sideways.
 */
export function dataTable(name: string, columns: readonly Column[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const head = columns
    .map((c, i) => {
      const sorted = options.sortedBy?.column === i ? ` aria-sort="${options.sortedBy.direction}"` : '';
      const type = c.numeric === true ? 'num' : 'text';
      const label = escapeHtml(c.label);
      return `<th scope="col" data-type="${type}"${sorted}${c.numeric === true && c.left !== true ? ' class="num"' : ''}>${options.sortable === true ? `<button type="button">${label}</button>` : label}</th>`;
    })
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row
          .map((cell, i) => {
            const c = columns[i]!;
            const sort = cell.sort === undefined ? '' : ` data-sort="${escapeHtml(String(cell.sort))}"`;
            return `<td data-label="${escapeHtml(c.label)}"${sort}${c.numeric === true && c.left !== true ? ' class="num"' : ''}>${cell.html}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const note = options.note === undefined ? '' : `<p class="note">${escapeHtml(options.note)}</p>`;
  return `<div class="table-box"><table class="data${options.sortable === true ? ' sortable' : ''}" data-table="${escapeHtml(name)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${note}</div>`;
}

/** The script that sorts a `table.sortable` when a header button is pressed (inlined in the page). */
export const SORT_SCRIPT = `document.querySelectorAll('table.sortable th button').forEach(function(b){b.addEventListener('click',function(){
var th=b.parentNode,tr=th.parentNode,table=tr.closest('table'),idx=Array.prototype.indexOf.call(tr.children,th),num=th.getAttribute('data-type')==='num';
var cur=th.getAttribute('aria-sort'),dir=cur?(cur==='descending'?'ascending':'descending'):(num?'descending':'ascending'),sign=dir==='ascending'?1:-1;
Array.prototype.forEach.call(tr.children,function(h){h.removeAttribute('aria-sort');});th.setAttribute('aria-sort',dir);
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows).map(function(r,i){var c=r.cells[idx],v=c.hasAttribute('data-sort')?c.getAttribute('data-sort'):c.textContent;return {r:r,i:i,v:num?Number(v):v};});
rows.sort(function(x,y){var d=num?x.v-y.v:(x.v<y.v?-1:x.v>y.v?1:0);return d*sign||x.i-y.i;});
rows.forEach(function(x){body.appendChild(x.r);});});});`;
