// Runs once before the suite: nothing global to start yet; services are started by the tests that need them.
export default function setup(): void {}
