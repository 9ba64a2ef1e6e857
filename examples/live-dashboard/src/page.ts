// The dashboard page: one HTML file with inline CSS and script, nothing fetched but the server's own stream
// and case timelines. EventSource reconnects by itself and sends the id of the last update it got
// (`Last-Event-ID`), so after a server restart the page gets what happened meanwhile, once.

const CSS = `*{box-sizing:border-box}body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#1f2d4d;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline}header h1{font-size:18px;margin:0}
#connection{font-size:12px;padding:2px 8px;border-radius:10px;background:#555}#connection[data-state=live]{background:#2f7d57}#connection[data-state=reconnecting]{background:#a0622c}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr));gap:12px;padding:12px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:10px 12px;min-width:0}h2{font-size:15px;margin:0 0 8px}
.tiles{display:flex;flex-wrap:wrap;gap:8px}.tile{flex:1 1 90px;background:#f0f3f7;border-radius:6px;padding:6px 8px}.tile b{display:block;font-size:18px}.tile span{font-size:12px;color:#555}
table{width:100%;border-collapse:collapse;font-size:13px}td,th{text-align:left;padding:4px 6px;border-bottom:1px solid #e3e6ea;overflow-wrap:anywhere}
tr[data-queue-case]{cursor:pointer}tr[data-queue-case]:hover{background:#eef3fb}.clock{font-variant-numeric:tabular-nums;white-space:nowrap}
#feed{list-style:none;margin:0;padding:0;max-height:360px;overflow:auto;font-size:13px}#feed li{padding:3px 0;border-bottom:1px solid #eee;cursor:default}#feed li[data-case]{cursor:pointer}
#timeline ol{margin:0;padding-left:18px}.muted{color:#666;font-size:12px}`;

const SCRIPT = `
var feed=document.getElementById('feed'),queue=document.getElementById('queue'),conn=document.getElementById('connection');
var now=null,nowAt=0,lastState=null,shown=0,resets=0;
function el(tag,attrs,text){var e=document.createElement(tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
var NAMES={whatsapp:'WhatsApp',email:'Email',web_chat:'Web chat',sms:'SMS',voice:'Voice',in_app_chat:'In-app chat',social_public:'Public social post',x_dm:'X DM',instagram_dm:'Instagram DM'};
function human(s){return NAMES[s]||s.replace(/_/g,' ').replace(/([a-z])([A-Z])/g,function(m,a,b){return a+' '+b.toLowerCase();});}
function dur(ms){if(ms===null||ms===undefined)return '—';var s=Math.max(0,Math.round(ms/1000));if(s<60)return s+' s';var m=Math.floor(s/60);if(m<60)return m+' min '+(s%60)+' s';return Math.floor(m/60)+' h '+(m%60)+' min';}
function serverNow(){return now===null?Date.now():now+(Date.now()-nowAt);}
function renderClocks(){document.querySelectorAll('[data-since]').forEach(function(c){c.textContent=dur(serverNow()-Date.parse(c.getAttribute('data-since')));});}
function renderState(s){
  lastState=s;now=Date.parse(s.now);nowAt=Date.now();
  Object.keys(s.openByStatus).forEach(function(k){var t=document.querySelector('[data-status="'+k+'"] b');if(t)t.textContent=s.openByStatus[k];});
  var m=s.metrics;
  document.querySelector('[data-metric=open] b').textContent=m.open;
  document.querySelector('[data-metric=cases] b').textContent=m.cases;
  document.querySelector('[data-metric=resolved] b').textContent=m.resolved;
  document.querySelector('[data-metric=inbound] b').textContent=m.inbound;
  document.querySelector('[data-metric=first-response] b').textContent=dur(m.firstResponseMedianMs);
  document.querySelector('[data-metric=resolution] b').textContent=dur(m.resolutionMedianMs);
  document.querySelector('[data-metric=csat] b').textContent=m.csatPercent===null?'—':m.csatPercent.toFixed(0)+' %';
  var body=queue.tBodies[0];body.textContent='';
  s.queue.forEach(function(q){var tr=el('tr',{'data-queue-case':q.caseId});tr.appendChild(el('td',{},q.caseId));tr.appendChild(el('td',{},q.customerId));tr.appendChild(el('td',{},human(q.status)));tr.appendChild(el('td',{},q.channels.map(human).join(', ')));tr.appendChild(el('td',{'class':'clock','data-since':q.waitingSince}));body.appendChild(tr);});
  document.getElementById('queue-empty').hidden=s.queue.length>0;
  renderClocks();
}
function addEvents(list){
  list.forEach(function(e){var li=el('li',{'data-position':e.position,'data-event':e.id},e.occurredAt.slice(11,19)+' · '+human(e.type)+(e.channel?' · '+human(e.channel):'')+(e.customerId?' · '+e.customerId:'')+(e.text?' · “'+e.text+'”':''));if(e.caseId)li.setAttribute('data-case',e.caseId);feed.insertBefore(li,feed.firstChild);shown++;});
  document.getElementById('feed-count').textContent=shown;
}
function openCase(id){
  fetch('/api/cases/'+encodeURIComponent(id)).then(function(r){return r.json();}).then(function(t){
    var box=document.getElementById('timeline');box.textContent='';
    if(!t.case){box.appendChild(el('p',{'class':'muted'},'No such case.'));return;}
    box.appendChild(el('h3',{'data-timeline-case':id},id+' · '+human(t.case.status)+' · '+t.case.customerId));
    var ol=el('ol');t.events.forEach(function(e){ol.appendChild(el('li',{'data-event':e.id},e.occurredAt.slice(11,19)+' · '+human(e.type)+(e.channel?' · '+human(e.channel):'')+' · '+e.actor+(e.text?' · “'+e.text+'”':'')));});box.appendChild(ol);
  });
}
document.addEventListener('click',function(ev){var t=ev.target.closest('[data-queue-case],[data-case]');if(t)openCase(t.getAttribute('data-queue-case')||t.getAttribute('data-case'));});
var source=new EventSource('/events');
source.addEventListener('open',function(){conn.textContent='live';conn.setAttribute('data-state','live');});
source.addEventListener('error',function(){conn.textContent='reconnecting…';conn.setAttribute('data-state','reconnecting');});
source.addEventListener('update',function(m){var u=JSON.parse(m.data);if(u.reset){feed.textContent='';shown=0;resets++;document.body.setAttribute('data-resets',resets);}addEvents(u.events);renderState(u.state);document.body.setAttribute('data-last-event-id',m.lastEventId);});
source.addEventListener('tick',function(m){now=Date.parse(JSON.parse(m.data).now);nowAt=Date.now();renderClocks();});
setInterval(renderClocks,1000);
`;

const STATUS_TILES = ['bot', 'open', 'pending_customer', 'on_hold', 'snoozed']
  .map((s) => `<div class="tile" data-status="${s}"><b>0</b><span>${s.replace(/_/g, ' ')}</span></div>`)
  .join('');

const METRIC_TILES = [
  ['open', 'open cases'],
  ['cases', 'cases'],
  ['resolved', 'resolved'],
  ['inbound', 'customer messages'],
  ['first-response', 'median first response'],
  ['resolution', 'median resolution'],
  ['csat', 'CSAT'],
]
  .map(([k, label]) => `<div class="tile" data-metric="${k}"><b>—</b><span>${label}</span></div>`)
  .join('');

/** The page the dashboard serves at `/`. */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Omnitrail live dashboard</title><style>${CSS}</style></head>
<body><header><h1>Omnitrail live dashboard</h1><span id="connection" data-state="connecting">connecting…</span></header>
<main>
<section><h2>Open cases by status</h2><div class="tiles" id="by-status">${STATUS_TILES}</div></section>
<section><h2>Metrics</h2><div class="tiles" id="metrics">${METRIC_TILES}</div></section>
<section><h2>Queue: waiting for an answer, longest first</h2><table id="queue"><thead><tr><th>Case</th><th>Customer</th><th>Status</th><th>Channels</th><th>Waiting</th></tr></thead><tbody></tbody></table><p class="muted" id="queue-empty">Nobody is waiting.</p></section>
<section><h2>Case timeline</h2><div id="timeline"><p class="muted">Click a case in the queue or the activity feed.</p></div></section>
<section><h2>Activity (<span id="feed-count">0</span> events, latest first)</h2><ul id="feed"></ul></section>
</main>
<script>${SCRIPT}</script></body></html>
`;
