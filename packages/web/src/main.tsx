import { render } from 'preact'
import { App } from './app'
import 'highlight.js/styles/github.css'
import './styles.css'
import { takeTokenFromUrl } from './token'

takeTokenFromUrl()
render(<App />, document.getElementById('app')!)
