#!/bin/bash
export OS_AUTH_TYPE=v3applicationcredential
export OS_AUTH_URL=https://js2.jetstream-cloud.org:5000/v3/
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME="IU"
export OS_INTERFACE=public
export OS_APPLICATION_CREDENTIAL_ID=2d4a8c1e9f7b4a6c8e0d1f2a3b4c5d6e
export OS_APPLICATION_CREDENTIAL_SECRET='CANARY-openrc-appcred-77aa'
