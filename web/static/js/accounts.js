// Ask before an action that cannot be undone quietly (disable a user, revoke a token): forms
// carrying data-confirm submit only when the person agrees. No inline handlers (strict CSP).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
