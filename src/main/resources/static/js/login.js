// The admin login form: fetches the session's CSRF token into the form, shows why a login failed.
const $ = (id) => document.getElementById(id);

async function start() {
  const params = new URLSearchParams(window.location.search);
  if (params.has('error')) {
    $('login-error').hidden = false;
    $('username').setAttribute('aria-invalid', 'true');
    $('password').setAttribute('aria-invalid', 'true');
  }
  if (params.has('logout')) {
    $('login-info').textContent = '已退出登录。';
    $('login-info').hidden = false;
  }
  try {
    const response = await fetch('/csrf', {credentials: 'same-origin'});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const csrf = await response.json();
    $('csrf').name = csrf.parameterName;
    $('csrf').value = csrf.token;
    $('login').disabled = false;
  } catch (e) {
    $('login-info').textContent = '无法连接服务器，请刷新页面重试。';
    $('login-info').hidden = false;
  }
  $('username').focus();
  document.body.dataset.ready = 'true';
}

start();
