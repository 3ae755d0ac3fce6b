/**
 * The console's only static assets, served by the function itself (no CDN). The script is
 * progressive: every page works without it; it hides fields that do not apply and follows a
 * rotation's progress.
 */
export const CONSOLE_CSS = `
:root{--fg:#1d2330;--muted:#5a6374;--line:#d6dae2;--bg:#f6f7f9;--accent:#0b57d0;--ok:#137333;--bad:#b3261e;--warn:#8a5a00}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
.top{display:flex;align-items:center;gap:24px;padding:10px 24px;background:#1d2330;color:#fff;flex-wrap:wrap}
.top a{color:#fff;text-decoration:none;margin-right:16px}.top a:hover{text-decoration:underline}
.brand{font-weight:700}.signout{margin-left:auto;display:flex;gap:12px;align-items:center}
.who code{color:#cfe0ff}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.5rem;margin:.4em 0}h2{font-size:1.15rem;margin:.2em 0 .6em}
.title-row{display:flex;align-items:center;justify-content:space-between;gap:12px;flex-wrap:wrap}
.title-actions{display:flex;gap:8px;align-items:center}
.btn{display:inline-block;padding:6px 14px;border:1px solid var(--line);border-radius:6px;background:#fff;color:var(--fg);font:inherit;cursor:pointer;text-decoration:none}
.btn-primary{background:var(--accent);border-color:var(--accent);color:#fff}.btn-danger{background:var(--bad);border-color:var(--bad);color:#fff}
.btn-link{background:none;border:0;color:#cfe0ff;text-decoration:underline;font:inherit;cursor:pointer}
.grid{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line)}
.grid th,.grid td{padding:8px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
.grid thead th{background:#eef0f4;font-weight:600}
.review th{width:14em}.empty{color:var(--muted);text-align:center}
.filters{display:flex;gap:12px;align-items:flex-end;flex-wrap:wrap;margin:12px 0}
.filters label{display:flex;flex-direction:column;font-size:.9rem;color:var(--muted)}
input,select,textarea{font:inherit;padding:5px 8px;border:1px solid #a9b0bd;border-radius:4px;background:#fff;color:var(--fg)}
.field{display:flex;flex-direction:column;max-width:560px;margin:.5em 0}.field label,.label{font-weight:600}
.choice{margin-right:16px;white-space:nowrap}
fieldset{border:1px solid var(--line);border-radius:6px;margin:10px 0;padding:8px 14px;background:#fff}
legend{font-weight:600;padding:0 4px}
.buttons{margin-top:14px;display:flex;gap:8px;flex-wrap:wrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85rem;font-weight:600;border:1px solid}
.badge-normal{color:var(--ok)}.badge-rotating{color:var(--accent)}.badge-failed{color:var(--bad)}.badge-pending-deletion{color:var(--warn)}
.sub{color:var(--muted);font-size:.9rem}.indent{margin-left:28px}
.alert{padding:10px 14px;border-radius:6px;margin:10px 0;border:1px solid}.alert p{margin:.2em 0 0}
.alert-error{background:#fdecea;border-color:#f1b8b3}.alert-ok{background:#e6f4ea;border-color:#a8d5b5}
.panel,.dialog{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:14px 0}
.dialog{max-width:640px}.signin{margin:40px auto}
.meta{display:grid;grid-template-columns:12em 1fr;gap:6px 12px;background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 18px}
.meta dt{font-weight:600}.meta dd{margin:0}.wrap{word-break:break-all}
.value{background:#1d2330;color:#e8eaed;padding:12px;border-radius:6px;white-space:pre-wrap;word-break:break-all}
.stage{display:inline-block;background:#eef0f4;border-radius:4px;padding:0 6px;font-size:.85rem}
.menu{display:inline-block;position:relative}.menu summary{cursor:pointer;color:var(--accent);list-style:none;padding:2px 6px;border:1px solid var(--line);border-radius:4px;background:#fff}
.menu ul{position:absolute;right:0;z-index:5;margin:4px 0 0;padding:6px 0;list-style:none;background:#fff;border:1px solid var(--line);border-radius:6px;min-width:13em;box-shadow:0 4px 12px rgba(0,0,0,.12)}
.menu li a{display:block;padding:4px 12px}
.actions{white-space:nowrap}
.pager{display:flex;gap:16px;align-items:center;margin:10px 0}
.stepper{display:flex;gap:8px;list-style:none;padding:0;margin:8px 0 14px}.stepper li{padding:4px 12px;border-radius:14px;background:#eef0f4;color:var(--muted)}
.stepper li.current{background:var(--accent);color:#fff}
.timeline,.steps,.progress{padding-left:1.2em}.timeline>li{margin-bottom:10px}
.rot-succeeded>div strong{color:var(--ok)}.rot-failed>div strong,.rot-abandoned>div strong{color:var(--bad)}
.step-failed{color:var(--bad)}
.progress{display:flex;gap:8px;list-style:none;padding:0;flex-wrap:wrap}.progress li{padding:4px 12px;border-radius:6px;border:1px solid var(--line)}
.ps-done{background:#e6f4ea}.ps-running{background:#e8f0fe;font-weight:600}.ps-failed{background:#fdecea}
.cards{display:flex;gap:14px;flex-wrap:wrap}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 18px;min-width:200px}
.card .num{display:block;font-size:2rem;font-weight:700}.card-bad .num{color:var(--bad)}
.chart{max-width:720px;background:#fff}.chart .axis{stroke:#a9b0bd}.chart .tick{font-size:11px;fill:var(--muted)}
.bar-ok{fill:#5b8def}.bar-failed{fill:var(--bad)}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
[hidden]{display:none!important}
`;

export const CONSOLE_JS = `
(function(){
  'use strict';
  function valueOf(form, name){
    var els = form.querySelectorAll('[name="'+name+'"]');
    for (var i=0;i<els.length;i++){ var el=els[i];
      if (el.type==='radio'){ if (el.checked) return el.value; }
      else if (el.type==='checkbox'){ return el.checked ? el.value : ''; }
      else return el.value; }
    return '';
  }
  function applyConditions(form){
    var blocks = form.querySelectorAll('[data-when],[data-when-not]');
    for (var i=0;i<blocks.length;i++){
      var b=blocks[i], neg=b.hasAttribute('data-when-not'), rule=(b.getAttribute(neg?'data-when-not':'data-when')||'').split('=');
      var show=(valueOf(form, rule[0])===rule[1])!==neg;
      b.hidden=!show;
      var inputs=b.querySelectorAll('input,select,textarea');
      for (var j=0;j<inputs.length;j++){ if (!show) inputs[j].disabled=true; else if (!hiddenAncestor(inputs[j], form)) inputs[j].disabled=false; }
    }
  }
  function hiddenAncestor(el, form){ for (var n=el.parentElement;n&&n!==form;n=n.parentElement){ if (n.hidden) return true; } return false; }
  function wireSwitch(sw){
    var target=document.getElementById(sw.getAttribute('aria-controls'));
    if (!target) return;
    function sync(){ target.hidden=!sw.checked; var t=target.querySelector('textarea,input'); if (t) { t.disabled=!sw.checked; t.required=sw.checked; } }
    sw.addEventListener('change', sync); sync();
  }
  function follow(panel){
    var url=panel.getAttribute('data-progress-url');
    function tick(){
      fetch(url,{credentials:'same-origin',headers:{'accept':'application/json'}}).then(function(r){ return r.ok ? r.json() : null; }).then(function(p){
        if (!p) return;
        panel.querySelector('[data-field="state"]').textContent=p.state;
        panel.querySelector('[data-field="error"]').textContent=p.errorCode ? (p.errorCode+': '+(p.errorMessage||'')) : '';
        p.steps.forEach(function(s){ var li=panel.querySelector('[data-step="'+s.step+'"]'); if (li){ li.className='ps-'+s.state; li.querySelector('.sub').textContent=s.state; } });
        if (p.state==='running') setTimeout(tick, 1000);
        else panel.setAttribute('data-finished', p.state);
      }).catch(function(){ setTimeout(tick, 3000); });
    }
    tick();
  }
  document.addEventListener('DOMContentLoaded', function(){
    var forms=document.querySelectorAll('form');
    for (var i=0;i<forms.length;i++){ (function(f){ if (!f.querySelector('[data-when],[data-when-not]')) return; f.addEventListener('change', function(){ applyConditions(f); }); applyConditions(f); })(forms[i]); }
    var switches=document.querySelectorAll('input[role="switch"][aria-controls]');
    for (var k=0;k<switches.length;k++) wireSwitch(switches[k]);
    var panels=document.querySelectorAll('[data-progress-url]');
    for (var m=0;m<panels.length;m++) follow(panels[m]);
  });
})();
`;
